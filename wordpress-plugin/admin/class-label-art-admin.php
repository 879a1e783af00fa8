<?php
/**
 * wp-admin screens: settings, join requests (bulk approve/decline), pending accounts.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
require_once __DIR__ . '/class-label-art-requests-table.php';

/**
 * Menus and form handlers. Every handler: capability, then nonce, then the object.
 */
final class Label_Art_Admin {

	/** Hooks. */
	public static function register() {
		add_action( 'admin_menu', array( __CLASS__, 'menus' ) );
		add_action( 'admin_post_label_art_settings', array( __CLASS__, 'save_settings' ) );
		Label_Art_Contributors_Page::register();
	}

	/** The Label.Art menu. */
	public static function menus() {
		add_menu_page( __( 'Label.Art', 'label-art' ), __( 'Label.Art', 'label-art' ), Label_Art_Roles::CAP_MODERATE, 'label-art-requests', array( __CLASS__, 'requests_page' ), 'dashicons-groups', 26 );
		$hook = add_submenu_page( 'label-art-requests', __( 'Join requests', 'label-art' ), __( 'Join requests', 'label-art' ), Label_Art_Roles::CAP_MODERATE, 'label-art-requests', array( __CLASS__, 'requests_page' ) );
		add_action( 'load-' . $hook, array( __CLASS__, 'process_bulk' ) );
		add_submenu_page( 'label-art-requests', __( 'Contributors', 'label-art' ), __( 'Contributors', 'label-art' ), Label_Art_Roles::CAP_MODERATE, 'label-art-contributors', array( 'Label_Art_Contributors_Page', 'render' ) );
		add_submenu_page( 'label-art-requests', __( 'Accounts to approve', 'label-art' ), __( 'Accounts', 'label-art' ), Label_Art_Roles::CAP_MODERATE, 'label-art-accounts', array( __CLASS__, 'accounts_page' ) );
		add_submenu_page( 'label-art-requests', __( 'Label.Art settings', 'label-art' ), __( 'Settings', 'label-art' ), Label_Art_Roles::CAP_SETTINGS, 'label-art-settings', array( __CLASS__, 'settings_page' ) );
	}

	/** Bulk and row actions on join requests, before any output so we can redirect. */
	public static function process_bulk() {
		$table = new Label_Art_Requests_Table();
		$action = $table->current_action();
		if ( ! $action ) {
			return;
		}
		if ( ! current_user_can( Label_Art_Roles::CAP_MODERATE ) ) {
			wp_die( esc_html__( 'You cannot decide join requests.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( 'bulk-requests' );
		$ids = isset( $_REQUEST['request'] ) ? array_map( 'absint', (array) wp_unslash( $_REQUEST['request'] ) ) : array();
		$role = isset( $_REQUEST['role'] ) && 'reviewer' === $_REQUEST['role'] ? 'reviewer' : 'annotator';
		$done = 0;
		$refused = 0;
		foreach ( $ids as $id ) {
			$result = Label_Art_Join::decide( $id, 'approve' === $action ? 'approve' : 'decline', $role );
			is_wp_error( $result ) ? $refused++ : $done++;
		}
		wp_safe_redirect( add_query_arg( array( 'page' => 'label-art-requests', 'done' => $done, 'refused' => $refused ), admin_url( 'admin.php' ) ) );
		exit;
	}

	/** Join requests screen. */
	public static function requests_page() {
		$table = new Label_Art_Requests_Table();
		$table->prepare_items();
		echo '<div class="wrap"><h1>' . esc_html__( 'Join requests', 'label-art' ) . '</h1>';
		if ( isset( $_GET['done'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
			/* translators: 1: decided, 2: refused */
			printf( '<div class="notice notice-success"><p>%s</p></div>', esc_html( sprintf( __( '%1$d decided, %2$d refused.', 'label-art' ), absint( $_GET['done'] ), absint( $_GET['refused'] ?? 0 ) ) ) ); // phpcs:ignore WordPress.Security.NonceVerification
		}
		echo '<form method="post">';
		echo '<input type="hidden" name="page" value="label-art-requests">';
		echo '<p><label>' . esc_html__( 'Role for approved members:', 'label-art' ) . ' <select name="role"><option value="annotator">' . esc_html__( 'annotator', 'label-art' ) . '</option><option value="reviewer">' . esc_html__( 'reviewer', 'label-art' ) . '</option></select></label></p>';
		$table->display();
		echo '</form></div>';
	}

	/** Pending accounts screen. */
	public static function accounts_page() {
		echo '<div class="wrap"><h1>' . esc_html__( 'Accounts to approve', 'label-art' ) . '</h1><table class="widefat striped"><thead><tr><th>' . esc_html__( 'User', 'label-art' ) . '</th><th>' . esc_html__( 'Email', 'label-art' ) . '</th><th>' . esc_html__( 'Registered', 'label-art' ) . '</th><th></th></tr></thead><tbody>';
		$users = Label_Art_Accounts::pending();
		foreach ( $users as $user ) {
			echo '<tr><td>' . esc_html( $user->user_login ) . '</td><td>' . esc_html( $user->user_email ) . '</td><td>' . esc_html( $user->user_registered ) . '</td><td>';
			foreach ( array( 'approved' => __( 'Approve', 'label-art' ), 'suspended' => __( 'Refuse', 'label-art' ) ) as $decision => $label ) {
				echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" style="display:inline">';
				wp_nonce_field( 'label_art_account_' . $user->ID );
				echo '<input type="hidden" name="action" value="label_art_account"><input type="hidden" name="user" value="' . esc_attr( $user->ID ) . '"><input type="hidden" name="decision" value="' . esc_attr( $decision ) . '">';
				submit_button( $label, 'secondary small', 'submit', false );
				echo '</form> ';
			}
			echo '</td></tr>';
		}
		if ( ! $users ) {
			echo '<tr><td colspan="4">' . esc_html__( 'No accounts are waiting.', 'label-art' ) . '</td></tr>';
		}
		echo '</tbody></table></div>';
	}

	/** Settings screen. Secrets are never printed: only whether they are set, and a fingerprint. */
	public static function settings_page() {
		if ( ! current_user_can( Label_Art_Roles::CAP_SETTINGS ) ) {
			return;
		}
		$secret = Label_Art_Settings::get( 'sso_secret' );
		include LABEL_ART_DIR . 'templates/admin-settings.php';
	}

	/** Save settings. */
	public static function save_settings() {
		if ( ! current_user_can( Label_Art_Roles::CAP_SETTINGS ) ) {
			wp_die( esc_html__( 'You cannot change Label.Art settings.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( 'label_art_settings' );
		if ( isset( $_POST['service_url'] ) && ! Label_Art_Settings::is_constant( 'service_url' ) ) {
			Label_Art_Settings::set( 'service_url', esc_url_raw( untrailingslashit( wp_unslash( $_POST['service_url'] ) ), array( 'http', 'https' ) ) );
		}
		foreach ( array( 'service_key', 'sso_secret' ) as $name ) {
			// Empty means "keep": the form never receives the current value to send back.
			$value = isset( $_POST[ $name ] ) ? trim( sanitize_text_field( wp_unslash( $_POST[ $name ] ) ) ) : '';
			if ( '' !== $value && ! Label_Art_Settings::is_constant( $name ) ) {
				Label_Art_Settings::set( $name, $value );
			}
		}
		if ( ! Label_Art_Settings::is_constant( 'require_approval' ) ) {
			Label_Art_Settings::set( 'require_approval', empty( $_POST['require_approval'] ) ? '0' : '1' );
		}
		wp_safe_redirect( admin_url( 'admin.php?page=label-art-settings&saved=1' ) );
		exit;
	}
}
