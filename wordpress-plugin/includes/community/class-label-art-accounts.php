<?php
/**
 * Community accounts: new registrations become contributors, optionally pending a moderator's approval.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Account status lives in user meta `label_art_account_status` (pending|approved|suspended);
 * no meta means approved, so accounts that predate the plugin keep working.
 */
final class Label_Art_Accounts {

	const META = 'label_art_account_status';

	/** Hooks. */
	public static function register() {
		add_action( 'register_new_user', array( __CLASS__, 'on_register' ) );
		add_filter( 'wp_authenticate_user', array( __CLASS__, 'block_unapproved' ) );
		add_action( 'admin_post_label_art_account', array( __CLASS__, 'handle_decision' ) );
	}

	/**
	 * Self-registered users become contributors; pending when the site requires approval.
	 *
	 * @param int $user_id New user.
	 */
	public static function on_register( $user_id ) {
		$user = get_userdata( $user_id );
		$user->set_role( 'labelart_contributor' );
		if ( '1' === Label_Art_Settings::get( 'require_approval' ) ) {
			update_user_meta( $user_id, self::META, 'pending' );
			foreach ( Label_Art_Notices::moderator_ids() as $moderator ) {
				/* translators: %s: user login */
				Label_Art_Notices::notify( $moderator, __( 'New account to approve', 'label-art' ), sprintf( __( '%s registered and waits for approval.', 'label-art' ), $user->user_login ), admin_url( 'admin.php?page=label-art-accounts' ) );
			}
		}
	}

	/**
	 * Refuse logging in while pending or suspended.
	 *
	 * @param WP_User|WP_Error $user The user being authenticated.
	 * @return WP_User|WP_Error
	 */
	public static function block_unapproved( $user ) {
		if ( $user instanceof WP_User && ! self::is_approved( $user->ID ) ) {
			return new WP_Error( 'label_art_account_pending', __( 'Your account is waiting for a moderator’s approval, or is suspended.', 'label-art' ) );
		}
		return $user;
	}

	/**
	 * Whether the account may use the community.
	 *
	 * @param int $user_id User.
	 * @return bool
	 */
	public static function is_approved( $user_id ) {
		$status = get_user_meta( $user_id, self::META, true );
		return '' === $status || 'approved' === $status;
	}

	/** Approve or suspend an account (moderators; nonce per user). */
	public static function handle_decision() {
		$user_id = isset( $_POST['user'] ) ? absint( $_POST['user'] ) : 0;
		if ( ! current_user_can( Label_Art_Roles::CAP_MODERATE ) ) {
			wp_die( esc_html__( 'You cannot moderate accounts.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( 'label_art_account_' . $user_id );
		$decision = isset( $_POST['decision'] ) ? sanitize_key( $_POST['decision'] ) : '';
		if ( ! get_userdata( $user_id ) || $user_id === get_current_user_id() || ! in_array( $decision, array( 'approved', 'suspended' ), true ) ) {
			wp_die( esc_html__( 'That decision is not possible.', 'label-art' ), '', array( 'response' => 400 ) );
		}
		// Moderators must not suspend administrators or each other: only admins may.
		if ( user_can( $user_id, Label_Art_Roles::CAP_MODERATE ) && ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'Only administrators can change a moderator’s account.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		update_user_meta( $user_id, self::META, $decision );
		if ( 'approved' === $decision ) {
			Label_Art_Notices::notify( $user_id, __( 'Your account was approved', 'label-art' ), __( 'Welcome! You can now log in, fill in your artist profile and join projects.', 'label-art' ), wp_login_url() );
		} else {
			// Log them out everywhere at once.
			WP_Session_Tokens::get_instance( $user_id )->destroy_all();
		}
		wp_safe_redirect( admin_url( 'admin.php?page=label-art-accounts&done=1' ) );
		exit;
	}

	/**
	 * Pending accounts.
	 *
	 * @return WP_User[]
	 */
	public static function pending() {
		return get_users( array( 'meta_key' => self::META, 'meta_value' => 'pending' ) ); // phpcs:ignore WordPress.DB.SlowDBQuery
	}
}
