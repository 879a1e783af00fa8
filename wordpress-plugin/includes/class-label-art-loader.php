<?php
/**
 * Loads the plugin's components and wires their hooks.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * One place that requires files and asks each component to register its hooks.
 * Admin screens are loaded only behind is_admin().
 */
final class Label_Art_Loader {

	/** @var Label_Art_Loader|null */
	private static $instance = null;

	/**
	 * The single loader.
	 *
	 * @return Label_Art_Loader
	 */
	public static function instance() {
		if ( null === self::$instance ) {
			self::$instance = new self();
			self::$instance->require_files();
		}
		return self::$instance;
	}

	/** Require every class file; none of them runs code at load time. */
	private function require_files() {
		$files = array(
			'includes/class-label-art-settings.php',
			'includes/class-label-art-roles.php',
			'includes/class-label-art-schema.php',
			'includes/class-label-art-activator.php',
			'includes/class-label-art-token.php',
			'includes/class-label-art-service-client.php',
			'includes/class-label-art-notices.php',
			'includes/class-label-art-sso.php',
			'includes/class-label-art-xmlrpc.php',
			'includes/community/class-label-art-accounts.php',
			'includes/community/class-label-art-profile.php',
			'includes/projects/class-label-art-project-type.php',
			'includes/projects/class-label-art-members.php',
			'includes/projects/class-label-art-join.php',
			'includes/messages/class-label-art-messages.php',
			'includes/messages/class-label-art-assertion.php',
			'includes/messages/class-label-art-messages-rest.php',
			'public/class-label-art-public.php',
		);
		foreach ( $files as $file ) {
			require_once LABEL_ART_DIR . $file;
		}
	}

	/** Register every component's hooks. */
	public function run() {
		add_action( 'init', array( $this, 'load_textdomain' ) );
		add_action( 'plugins_loaded', array( 'Label_Art_Schema', 'maybe_upgrade' ) );
		Label_Art_Sso::register();
		Label_Art_Xmlrpc::register();
		Label_Art_Accounts::register();
		Label_Art_Profile::register();
		Label_Art_Project_Type::register();
		Label_Art_Join::register();
		Label_Art_Assertion::register();
		Label_Art_Messages_Rest::register();
		Label_Art_Public::register();
		if ( is_admin() ) {
			require_once LABEL_ART_DIR . 'admin/class-label-art-admin.php';
			require_once LABEL_ART_DIR . 'admin/class-label-art-contributors-page.php';
			Label_Art_Admin::register();
		}
	}

	/** Translations from languages/. */
	public function load_textdomain() {
		load_plugin_textdomain( 'label-art', false, dirname( plugin_basename( LABEL_ART_FILE ) ) . '/languages' );
	}
}
