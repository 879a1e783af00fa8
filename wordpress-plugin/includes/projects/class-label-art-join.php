<?php
/**
 * Joining a project: the request form's handler and moderators' decisions.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Join requests arrive through admin-post.php (nonce + capability); decisions notify the applicant.
 */
final class Label_Art_Join {

	/** Longest motivation kept. */
	const MAX_MOTIVATION = 1000;

	/** Hooks. */
	public static function register() {
		add_action( 'admin_post_label_art_join', array( __CLASS__, 'handle_request' ) );
	}

	/** "Join this project" form handler. */
	public static function handle_request() {
		$project_id = isset( $_POST['project'] ) ? absint( $_POST['project'] ) : 0;
		if ( ! current_user_can( Label_Art_Roles::CAP_JOIN ) ) {
			wp_die( esc_html__( 'Your account cannot join projects.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( 'label_art_join_' . $project_id );
		if ( ! Label_Art_Project_Type::exists( $project_id ) || 'publish' !== get_post_status( $project_id ) ) {
			wp_die( esc_html__( 'No such project.', 'label-art' ), '', array( 'response' => 404 ) );
		}
		if ( ! Label_Art_Accounts::is_approved( get_current_user_id() ) ) {
			wp_die( esc_html__( 'Your account is waiting for approval.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		$motivation = isset( $_POST['motivation'] ) ? mb_substr( sanitize_textarea_field( wp_unslash( $_POST['motivation'] ) ), 0, self::MAX_MOTIVATION ) : '';
		$row = Label_Art_Members::request( $project_id, get_current_user_id(), $motivation );
		if ( ! is_wp_error( $row ) ) {
			$title = get_the_title( $project_id );
			foreach ( Label_Art_Notices::moderator_ids() as $moderator ) {
				/* translators: 1: user name, 2: project title */
				Label_Art_Notices::notify( $moderator, __( 'New join request', 'label-art' ), sprintf( __( '%1$s asked to join %2$s.', 'label-art' ), wp_get_current_user()->display_name, $title ), admin_url( 'admin.php?page=label-art-requests' ) );
			}
			/**
			 * Fires after a join request is stored.
			 *
			 * @param object $row The membership row.
			 */
			do_action( 'label_art_projects_join_requested', $row );
		}
		wp_safe_redirect( add_query_arg( 'label_art_joined', is_wp_error( $row ) ? '0' : '1', get_permalink( $project_id ) ) );
		exit;
	}

	/**
	 * Approve or decline a request and tell the applicant (email + notice). Callers check
	 * capability and nonce; this also refuses a moderator deciding their own request.
	 *
	 * @param int    $member_id Row id.
	 * @param string $decision  approve|decline.
	 * @param string $role      annotator|reviewer (approve only).
	 * @return true|WP_Error
	 */
	public static function decide( $member_id, $decision, $role = 'annotator' ) {
		$row = Label_Art_Members::find( $member_id );
		if ( ! $row ) {
			return new WP_Error( 'label_art_no_request', __( 'No such request.', 'label-art' ), array( 'status' => 404 ) );
		}
		if ( (int) $row->user_id === get_current_user_id() ) {
			return new WP_Error( 'label_art_self_approval', __( 'You cannot decide your own request.', 'label-art' ), array( 'status' => 403 ) );
		}
		$approve = 'approve' === $decision;
		Label_Art_Members::decide( $member_id, $approve ? 'approved' : 'declined', get_current_user_id(), $approve ? $role : null );
		$title = get_the_title( (int) $row->project_id );
		$message = $approve
			/* translators: %s: project title */
			? sprintf( __( 'Welcome to the team of %s! Open the project page and press “Start labeling”.', 'label-art' ), $title )
			/* translators: %s: project title */
			: sprintf( __( 'Your request to join %s was declined.', 'label-art' ), $title );
		Label_Art_Notices::notify( (int) $row->user_id, $approve ? __( 'Your join request was approved', 'label-art' ) : __( 'Your join request was declined', 'label-art' ), $message, get_permalink( (int) $row->project_id ) );
		/**
		 * Fires after a moderator decides a join request.
		 *
		 * @param object $row      The row before the decision.
		 * @param string $decision approve|decline.
		 */
		do_action( 'label_art_projects_join_decided', $row, $decision );
		return true;
	}
}
