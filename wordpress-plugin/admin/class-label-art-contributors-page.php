<?php
/**
 * Contributors per project with the service's numbers; suspend/reinstate/remove and role changes.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * The moderators' team screen.
 */
final class Label_Art_Contributors_Page {

	/** Hooks. */
	public static function register() {
		add_action( 'admin_post_label_art_member', array( __CLASS__, 'handle' ) );
	}

	/** Render the screen for ?project=ID (or a project picker). */
	public static function render() {
		if ( ! current_user_can( Label_Art_Roles::CAP_MODERATE ) ) {
			return;
		}
		$page = isset( $_GET['project'] ) ? absint( $_GET['project'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification
		$projects = get_posts( array( 'post_type' => Label_Art_Project_Type::POST_TYPE, 'post_status' => 'publish', 'numberposts' => 100 ) );
		$stats = array();
		if ( $page ) {
			$sid = (int) get_post_meta( $page, Label_Art_Project_Type::META_SERVICE_ID, true );
			$live = $sid ? Label_Art_Service_Client::stats( $sid ) : null;
			foreach ( is_array( $live ) ? (array) ( $live['contributors'] ?? array() ) : array() as $c ) {
				$stats[ (int) $c['wp_user_id'] ] = $c;
			}
		}
		$members = $page ? Label_Art_Members::of_project( $page ) : array();
		include LABEL_ART_DIR . 'templates/admin-contributors.php';
	}

	/** Row actions: role, suspend, reinstate, remove. */
	public static function handle() {
		$id = isset( $_POST['member'] ) ? absint( $_POST['member'] ) : 0;
		if ( ! current_user_can( Label_Art_Roles::CAP_MODERATE ) ) {
			wp_die( esc_html__( 'You cannot manage teams.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( 'label_art_member_' . $id );
		$row = Label_Art_Members::find( $id );
		$op = isset( $_POST['op'] ) ? sanitize_key( $_POST['op'] ) : '';
		if ( ! $row || (int) $row->user_id === get_current_user_id() ) {
			wp_die( esc_html__( 'That change is not possible.', 'label-art' ), '', array( 'response' => 400 ) );
		}
		switch ( $op ) {
			case 'role':
				$role = isset( $_POST['role'] ) ? sanitize_key( $_POST['role'] ) : '';
				if ( ! in_array( $role, Label_Art_Members::ROLES, true ) ) {
					wp_die( esc_html__( 'Unknown role.', 'label-art' ), '', array( 'response' => 400 ) );
				}
				Label_Art_Members::decide( $id, $row->status, get_current_user_id(), $role );
				break;
			case 'suspend':
			case 'approve':
				Label_Art_Members::decide( $id, 'suspend' === $op ? 'suspended' : 'approved', get_current_user_id() );
				break;
			case 'remove':
				Label_Art_Members::remove( $id );
				break;
			default:
				wp_die( esc_html__( 'Unknown action.', 'label-art' ), '', array( 'response' => 400 ) );
		}
		/**
		 * Fires after a moderator changes a membership.
		 *
		 * @param object $row The row before the change.
		 * @param string $op  role|suspend|approve|remove.
		 */
		do_action( 'label_art_projects_member_changed', $row, $op );
		wp_safe_redirect( admin_url( 'admin.php?page=label-art-contributors&project=' . (int) $row->project_id ) );
		exit;
	}
}
