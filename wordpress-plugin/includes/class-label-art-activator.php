<?php
/**
 * Activation and deactivation.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Activation adds roles, creates tables and generates the shared secret when none is set:
 * there is never a default secret, and a secret pasted from the service is not overwritten.
 */
final class Label_Art_Activator {

	/** Runs on activation. */
	public static function activate() {
		Label_Art_Roles::add();
		Label_Art_Schema::install();
		if ( '' === (string) get_option( 'label_art_sso_secret', '' ) ) {
			Label_Art_Settings::set( 'sso_secret', Label_Art_Settings::new_secret() );
		}
		add_option( 'label_art_require_approval', '1' );
		Label_Art_Project_Type::register_type();
		flush_rewrite_rules();
	}

	/** Runs on deactivation: data stays until uninstall. */
	public static function deactivate() {
		flush_rewrite_rules();
	}
}
