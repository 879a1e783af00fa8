<?php
/**
 * Installs a throwaway WordPress non-interactively (run with PHP CLI from the site directory):
 * wp_install(), plain permalinks, open registration, the Label.Art plugin activated, and test
 * users made through WordPress's own functions. Prints JSON facts for the test harness.
 *
 * Usage: php install_site.php SITE_DIR URL
 */
list( , $site, $url ) = $argv;
define( 'WP_INSTALLING', true );
$_SERVER['HTTP_HOST'] = parse_url( $url, PHP_URL_HOST ) . ':' . parse_url( $url, PHP_URL_PORT );
$_SERVER['REQUEST_URI'] = '/';
require $site . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

wp_install( 'Label.Art community', 'admin', 'admin@example.test', true, '', 'admin-pass-123' );
update_option( 'siteurl', $url );
update_option( 'home', $url );
update_option( 'users_can_register', 1 );
update_option( 'permalink_structure', '' );
switch_theme( 'twentytwentythree' );
$result = activate_plugin( 'label-art/label-art.php' );
if ( is_wp_error( $result ) ) {
	fwrite( STDERR, $result->get_error_message() );
	exit( 1 );
}
$moderator = wp_insert_user( array( 'user_login' => 'mod', 'user_pass' => 'mod-pass-123', 'user_email' => 'mod@example.test', 'display_name' => 'Mia Moderator', 'role' => 'labelart_moderator' ) );
$service = wp_insert_user( array( 'user_login' => 'labelart-service', 'user_pass' => 'service-pass-123', 'user_email' => 'service@example.test', 'display_name' => 'Label.Art service', 'role' => 'labelart_service' ) );
$notices = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_title' => 'My notices', 'post_content' => '[label_art_notices]' ) );
$profile = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_title' => 'My profile', 'post_content' => '[label_art_profile]' ) );
echo wp_json_encode( array(
	'moderator'     => $moderator,
	'service'       => $service,
	'notices_page'  => $notices,
	'profile_page'  => $profile,
	'secret_set'    => strlen( (string) get_option( 'label_art_sso_secret' ) ),
	'schema'        => get_option( 'label_art_schema_version' ),
) );
