<?php
/** The schema version option and the tables made through dbDelta. */
defined( 'ABSPATH' ) || exit; // Loaded by PHPUnit after bootstrap.php, never over HTTP.

class SchemaTest extends Label_Art_TestCase {

	private function tables() {
		global $wpdb;
		return $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $wpdb->prefix . 'labelart_' ) . '%' ) );
	}

	private function columns( $name ) {
		global $wpdb;
		return $wpdb->get_results( $wpdb->prepare( 'SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION', Label_Art_Schema::table( $name ) ), ARRAY_A );
	}

	public function test_version_and_tables() {
		$this->assertSame( Label_Art_Schema::VERSION, get_option( Label_Art_Schema::OPTION ) );
		$expected = array_map( array( 'Label_Art_Schema', 'table' ), Label_Art_Schema::TABLES );
		sort( $expected );
		$got = $this->tables();
		sort( $got );
		$this->assertSame( $expected, $got );
		$this->assertSame( $GLOBALS['wpdb']->prefix . 'labelart_messages', Label_Art_Schema::table( 'messages' ) );
	}

	public function test_install_is_idempotent_and_maybe_upgrade_repairs_an_old_version() {
		global $wpdb;
		$before = $this->columns( 'members' );
		$this->assertNotEmpty( $before );
		Label_Art_Schema::install();
		$this->assertSame( $before, $this->columns( 'members' ) );
		update_option( Label_Art_Schema::OPTION, '0' );
		Label_Art_Schema::maybe_upgrade();
		$this->assertSame( Label_Art_Schema::VERSION, get_option( Label_Art_Schema::OPTION ) );
		$this->assertCount( count( Label_Art_Schema::TABLES ), $this->tables() );
	}

	public function test_members_has_a_unique_project_user_key() {
		$user    = $this->make_user( 'labelart_contributor' );
		$project = $this->make_project();
		$first   = Label_Art_Members::request( $project, $user, 'one' );
		$this->assertSame( 'pending', $first->status );
		$this->assertInstanceOf( WP_Error::class, Label_Art_Members::request( $project, $user, 'two' ) );
		$this->assertCount( 1, Label_Art_Members::of_project( $project ) );
	}
}
