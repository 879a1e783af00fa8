<?php
/**
 * PHPUnit bootstrap: loads a real, installed WordPress (with the Label.Art plugin active) and its
 * database. tests/wordpress/test_phpunit.py sets up the throwaway site and passes it in:
 *
 *   LABELART_WP_SITE=/path/to/site LABELART_WP_URL=http://127.0.0.1:PORT phpunit -c wordpress-plugin/tests/phpunit.xml
 */
if ( 'cli' !== PHP_SAPI ) {
	exit;
}
$site = getenv( 'LABELART_WP_SITE' );
$url  = getenv( 'LABELART_WP_URL' ) ?: 'http://127.0.0.1';
if ( ! $site || ! is_file( $site . '/wp-load.php' ) ) {
	fwrite( STDERR, "Set LABELART_WP_SITE to an installed WordPress with the plugin active.\n" );
	exit( 1 );
}
$_SERVER['HTTP_HOST']   = parse_url( $url, PHP_URL_HOST ) . ( parse_url( $url, PHP_URL_PORT ) ? ':' . parse_url( $url, PHP_URL_PORT ) : '' );
$_SERVER['REQUEST_URI'] = '/';
require $site . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/user.php';

if ( ! class_exists( 'Label_Art_Sso' ) ) {
	fwrite( STDERR, "The Label.Art plugin is not active on this site.\n" );
	exit( 1 );
}

/** Shared helpers: users and project pages made for one test and removed afterwards. */
abstract class Label_Art_TestCase extends \PHPUnit\Framework\TestCase {
	/** @var int[] */
	protected $users = array();
	/** @var int[] */
	protected $posts = array();

	protected function make_user( $role ) {
		$login = 'pu_' . $role . '_' . bin2hex( random_bytes( 4 ) );
		$id    = wp_insert_user( array( 'user_login' => $login, 'user_pass' => wp_generate_password(), 'user_email' => $login . '@example.test', 'role' => $role ) );
		$this->assertIsInt( $id );
		$this->users[] = $id;
		return $id;
	}

	protected function make_project( $service_id = 0 ) {
		$id = wp_insert_post( array( 'post_type' => Label_Art_Project_Type::POST_TYPE, 'post_status' => 'publish', 'post_title' => 'PHPUnit project ' . wp_generate_password( 6, false ) ) );
		$this->assertIsInt( $id );
		if ( $service_id ) {
			update_post_meta( $id, Label_Art_Project_Type::META_SERVICE_ID, $service_id );
		}
		$this->posts[] = $id;
		return $id;
	}

	protected function tearDown(): void {
		global $wpdb;
		foreach ( $this->posts as $id ) {
			$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Label_Art_Schema::table( 'members' ) . ' WHERE project_id = %d', $id ) ); // phpcs:ignore
			$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Label_Art_Schema::table( 'messages' ) . ' WHERE project_id = %d', $id ) ); // phpcs:ignore
			$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Label_Art_Schema::table( 'reads' ) . ' WHERE thread = %s', Label_Art_Messages::team_thread( $id ) ) ); // phpcs:ignore
			wp_delete_post( $id, true );
		}
		foreach ( $this->users as $id ) {
			$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Label_Art_Schema::table( 'notices' ) . ' WHERE user_id = %d', $id ) ); // phpcs:ignore
			wp_delete_user( $id );
		}
		$this->users = array();
		$this->posts = array();
	}
}
