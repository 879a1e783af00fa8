<?php
/**
 * XML-RPC methods for the labeling service's own account.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * `labelart.getMembership`, `labelart.postMessage`, `labelart.updateProgress`. Each takes
 * (blog_id, username, password, ...) like wp.* methods; the account needs `labelart_service`.
 * Projects are named by their *service* id, the only id the service knows.
 */
final class Label_Art_Xmlrpc {

	/** Hooks. */
	public static function register() {
		add_filter( 'xmlrpc_methods', array( __CLASS__, 'methods' ) );
	}

	/**
	 * Add our methods.
	 *
	 * @param array $methods Registered methods.
	 * @return array
	 */
	public static function methods( $methods ) {
		$methods['labelart.getMembership'] = array( __CLASS__, 'get_membership' );
		$methods['labelart.postMessage'] = array( __CLASS__, 'post_message' );
		$methods['labelart.updateProgress'] = array( __CLASS__, 'update_progress' );
		return $methods;
	}

	/**
	 * Authenticate, check the capability and find the project page.
	 *
	 * @param array $args Raw arguments.
	 * @return array|IXR_Error [user, page id, rest of args].
	 */
	private static function prepare( $args ) {
		global $wp_xmlrpc_server;
		// Not escape()d: values go to $wpdb->insert/update and post meta, which take unslashed data.
		$args = (array) $args;
		if ( count( $args ) < 4 ) {
			return new IXR_Error( 400, __( 'Insufficient arguments.', 'label-art' ) );
		}
		$user = $wp_xmlrpc_server->login( (string) $args[1], (string) $args[2] );
		if ( ! $user ) {
			return $wp_xmlrpc_server->error;
		}
		if ( ! user_can( $user, Label_Art_Roles::CAP_SERVICE ) ) {
			return new IXR_Error( 401, __( 'This account is not the labeling service’s account.', 'label-art' ) );
		}
		$page = Label_Art_Project_Type::by_service_id( absint( $args[3] ) );
		if ( ! $page ) {
			return new IXR_Error( 404, __( 'No project page is linked to that service project.', 'label-art' ) );
		}
		return array( $user, $page, array_slice( $args, 4 ) );
	}

	/**
	 * (service project id, wp user id) → {member, role, status}.
	 *
	 * @param array $args XML-RPC arguments.
	 * @return array|IXR_Error
	 */
	public static function get_membership( $args ) {
		$ready = self::prepare( $args );
		if ( $ready instanceof IXR_Error ) {
			return $ready;
		}
		list( , $page, $rest ) = $ready;
		$row = Label_Art_Members::get( $page, absint( $rest[0] ?? 0 ) );
		return array(
			'member' => $row && 'approved' === $row->status && Label_Art_Accounts::is_approved( (int) $row->user_id ),
			'role'   => $row ? $row->role : '',
			'status' => $row ? $row->status : 'none',
		);
	}

	/**
	 * (service project id, body, pinned?) → message id, posted as the service account.
	 *
	 * @param array $args XML-RPC arguments.
	 * @return int|IXR_Error
	 */
	public static function post_message( $args ) {
		$ready = self::prepare( $args );
		if ( $ready instanceof IXR_Error ) {
			return $ready;
		}
		list( $user, $page, $rest ) = $ready;
		$id = Label_Art_Messages::post_team( $page, $user->ID, (string) ( $rest[0] ?? '' ), ! empty( $rest[1] ) );
		return is_wp_error( $id ) ? new IXR_Error( 400, $id->get_error_message() ) : $id;
	}

	/**
	 * (service project id, {total_tasks, labeled_tasks, total_annotations}) → true.
	 *
	 * @param array $args XML-RPC arguments.
	 * @return bool|IXR_Error
	 */
	public static function update_progress( $args ) {
		$ready = self::prepare( $args );
		if ( $ready instanceof IXR_Error ) {
			return $ready;
		}
		list( , $page, $rest ) = $ready;
		$in = is_array( $rest[0] ?? null ) ? $rest[0] : array();
		$progress = array(
			'total_tasks'       => absint( $in['total_tasks'] ?? 0 ),
			'labeled_tasks'     => absint( $in['labeled_tasks'] ?? 0 ),
			'total_annotations' => absint( $in['total_annotations'] ?? 0 ),
			'updated'           => time(),
		);
		update_post_meta( $page, Label_Art_Project_Type::META_PROGRESS, $progress );
		return true;
	}
}
