<?php
/**
 * The plugin's own tables, created and upgraded with dbDelta keyed on a stored schema version.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Table names and the versioned schema.
 */
final class Label_Art_Schema {

	/** Bump when a CREATE TABLE below changes; dbDelta then alters the tables in place. */
	const VERSION = '1';
	/** Option holding the installed schema version. */
	const OPTION = 'label_art_schema_version';
	/** Table suffixes after {$wpdb->prefix}labelart_. */
	const TABLES = array( 'members', 'messages', 'reads', 'notices' );

	/**
	 * Full table name.
	 *
	 * @param string $name One of TABLES.
	 * @return string
	 */
	public static function table( $name ) {
		global $wpdb;
		return $wpdb->prefix . 'labelart_' . $name;
	}

	/** Upgrade when the stored version is behind (runs on plugins_loaded, cheap when current). */
	public static function maybe_upgrade() {
		if ( get_option( self::OPTION ) !== self::VERSION ) {
			self::install();
		}
	}

	/** Create or alter every table; dbDelta needs two spaces after PRIMARY KEY and one column a line. */
	public static function install() {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$charset = $wpdb->get_charset_collate();
		$members = self::table( 'members' );
		$messages = self::table( 'messages' );
		$reads = self::table( 'reads' );
		$notices = self::table( 'notices' );
		dbDelta( "CREATE TABLE {$members} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  project_id bigint(20) unsigned NOT NULL,
  user_id bigint(20) unsigned NOT NULL,
  role varchar(20) NOT NULL DEFAULT 'annotator',
  status varchar(20) NOT NULL DEFAULT 'pending',
  motivation text NOT NULL,
  created_at datetime NOT NULL,
  decided_at datetime NULL,
  decided_by bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (id),
  UNIQUE KEY project_user (project_id,user_id),
  KEY user_status (user_id,status),
  KEY status (status)
) {$charset};
CREATE TABLE {$messages} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  project_id bigint(20) unsigned NOT NULL DEFAULT 0,
  sender_id bigint(20) unsigned NOT NULL,
  recipient_id bigint(20) unsigned NOT NULL DEFAULT 0,
  thread varchar(48) NOT NULL,
  body text NOT NULL,
  pinned tinyint(1) NOT NULL DEFAULT 0,
  hidden tinyint(1) NOT NULL DEFAULT 0,
  hidden_by bigint(20) unsigned NOT NULL DEFAULT 0,
  created_at datetime NOT NULL,
  PRIMARY KEY  (id),
  KEY thread_id (thread,id)
) {$charset};
CREATE TABLE {$reads} (
  user_id bigint(20) unsigned NOT NULL,
  thread varchar(48) NOT NULL,
  last_read_id bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (user_id,thread)
) {$charset};
CREATE TABLE {$notices} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint(20) unsigned NOT NULL,
  message text NOT NULL,
  link varchar(255) NOT NULL DEFAULT '',
  is_read tinyint(1) NOT NULL DEFAULT 0,
  created_at datetime NOT NULL,
  PRIMARY KEY  (id),
  KEY user_read (user_id,is_read)
) {$charset};" );
		update_option( self::OPTION, self::VERSION );
	}

	/** Drop every table (uninstall only). */
	public static function drop() {
		global $wpdb;
		foreach ( self::TABLES as $name ) {
			// Table names are our own constants, never input: identifiers cannot be placeholders.
			$wpdb->query( 'DROP TABLE IF EXISTS ' . self::table( $name ) ); // phpcs:ignore WordPress.DB.PreparedSQL
		}
		delete_option( self::OPTION );
	}
}
