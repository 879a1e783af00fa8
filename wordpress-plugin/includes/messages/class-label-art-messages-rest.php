<?php
/**
 * REST routes under label-art/v1: team threads, direct messages, hiding, unread counts, notices.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Every permission_callback starts from "no": logged in, then capability, then nonce (or the
 * service's assertion), then access to the object. Callbacks return true or a WP_Error.
 */
final class Label_Art_Messages_Rest {

	const NS = 'label-art/v1';

	/** Hooks. */
	public static function register() {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
	}

	/** Route table. */
	public static function routes() {
		$body_args = array(
			'body'   => array( 'type' => 'string', 'required' => true, 'validate_callback' => array( __CLASS__, 'valid_body' ) ),
			'pinned' => array( 'type' => 'boolean', 'default' => false ),
		);
		$id = array( 'id' => array( 'validate_callback' => static fn( $v ) => is_numeric( $v ) && (int) $v > 0, 'sanitize_callback' => 'absint' ) );
		register_rest_route( self::NS, '/projects/(?P<id>\d+)/messages', array(
			array( 'methods' => 'GET', 'callback' => array( __CLASS__, 'get_team' ), 'permission_callback' => array( __CLASS__, 'can_team' ), 'args' => $id ),
			array( 'methods' => 'POST', 'callback' => array( __CLASS__, 'post_team' ), 'permission_callback' => array( __CLASS__, 'can_team' ), 'args' => $id + $body_args ),
		) );
		register_rest_route( self::NS, '/service-projects/(?P<sid>\d+)/messages', array(
			array( 'methods' => 'GET', 'callback' => array( __CLASS__, 'get_team' ), 'permission_callback' => array( __CLASS__, 'can_team' ) ),
			array( 'methods' => 'POST', 'callback' => array( __CLASS__, 'post_team' ), 'permission_callback' => array( __CLASS__, 'can_team' ), 'args' => $body_args ),
		) );
		register_rest_route( self::NS, '/dm/(?P<id>\d+)', array(
			array( 'methods' => 'GET', 'callback' => array( __CLASS__, 'get_dm' ), 'permission_callback' => array( __CLASS__, 'can_dm' ), 'args' => $id ),
			array( 'methods' => 'POST', 'callback' => array( __CLASS__, 'post_dm' ), 'permission_callback' => array( __CLASS__, 'can_dm' ), 'args' => $id + $body_args ),
		) );
		register_rest_route( self::NS, '/messages/(?P<id>\d+)/hide', array(
			'methods' => 'POST', 'callback' => array( __CLASS__, 'hide' ), 'permission_callback' => array( __CLASS__, 'can_hide' ), 'args' => $id,
		) );
		register_rest_route( self::NS, '/unread', array(
			'methods' => 'GET', 'callback' => array( __CLASS__, 'get_unread' ), 'permission_callback' => array( __CLASS__, 'can_self' ),
		) );
	}

	/**
	 * Body validation (type and length).
	 *
	 * @param mixed $value Body.
	 * @return true|WP_Error
	 */
	public static function valid_body( $value ) {
		return is_string( $value ) && '' !== trim( $value ) && mb_strlen( $value ) <= Label_Art_Messages::MAX_BODY
			? true : new WP_Error( 'label_art_bad_body', __( 'A message needs 1 to 5000 characters.', 'label-art' ), array( 'status' => 400 ) );
	}

	/**
	 * Logged in, active account, capability, nonce: the common first checks.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	private static function base_check( $request ) {
		if ( ! is_user_logged_in() ) {
			return new WP_Error( 'label_art_not_logged_in', __( 'Log in first.', 'label-art' ), array( 'status' => 401 ) );
		}
		if ( ! current_user_can( Label_Art_Roles::CAP_JOIN ) || ! Label_Art_Accounts::is_approved( get_current_user_id() ) ) {
			return new WP_Error( 'label_art_forbidden', __( 'Your account cannot use team messages.', 'label-art' ), array( 'status' => 403 ) );
		}
		// A cookie session must also carry the REST nonce; the service proves itself with its assertion.
		if ( null === Label_Art_Assertion::payload() && ! wp_verify_nonce( (string) $request->get_header( 'X-WP-Nonce' ), 'wp_rest' ) ) {
			return new WP_Error( 'label_art_bad_nonce', __( 'Your session expired: reload the page.', 'label-art' ), array( 'status' => 403 ) );
		}
		return true;
	}

	/**
	 * The project page a request is about (by page id or service id), or 0.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return int
	 */
	private static function page_of( $request ) {
		if ( null !== $request['sid'] ) {
			return Label_Art_Project_Type::by_service_id( absint( $request['sid'] ) );
		}
		$page = absint( $request['id'] );
		return Label_Art_Project_Type::exists( $page ) ? $page : 0;
	}

	/**
	 * Team thread: members and moderators of this project only.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public static function can_team( $request ) {
		$ok = self::base_check( $request );
		if ( true !== $ok ) {
			return $ok;
		}
		// The assertion only ever opens the service route it was made for.
		if ( null !== Label_Art_Assertion::payload() && null === $request['sid'] ) {
			return new WP_Error( 'label_art_forbidden', __( 'Not allowed here.', 'label-art' ), array( 'status' => 403 ) );
		}
		$page = self::page_of( $request );
		if ( ! $page || ! Label_Art_Members::can_access( $page, get_current_user_id() ) ) {
			// 404 like a missing project: non-members learn nothing about the thread.
			return new WP_Error( 'label_art_no_thread', __( 'No such thread.', 'label-art' ), array( 'status' => 404 ) );
		}
		if ( 'POST' === $request->get_method() && $request['pinned'] && ! current_user_can( Label_Art_Roles::CAP_MODERATE ) ) {
			return new WP_Error( 'label_art_forbidden', __( 'Only moderators pin announcements.', 'label-art' ), array( 'status' => 403 ) );
		}
		return true;
	}

	/**
	 * Direct messages: between team mates, or with a moderator.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public static function can_dm( $request ) {
		$ok = self::base_check( $request );
		if ( true !== $ok ) {
			return $ok;
		}
		$me = get_current_user_id();
		$other = absint( $request['id'] );
		if ( null !== Label_Art_Assertion::payload() || $other === $me || ! get_userdata( $other ) || ! Label_Art_Accounts::is_approved( $other )
			|| ! ( Label_Art_Members::share_project( $me, $other ) || current_user_can( Label_Art_Roles::CAP_MODERATE ) || user_can( $other, Label_Art_Roles::CAP_MODERATE ) ) ) {
			return new WP_Error( 'label_art_no_thread', __( 'You cannot message this person.', 'label-art' ), array( 'status' => 404 ) );
		}
		return true;
	}

	/**
	 * Hiding: moderators only.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public static function can_hide( $request ) {
		$ok = self::base_check( $request );
		if ( true !== $ok ) {
			return $ok;
		}
		if ( null !== Label_Art_Assertion::payload() || ! current_user_can( Label_Art_Roles::CAP_MODERATE ) ) {
			return new WP_Error( 'label_art_forbidden', __( 'Only moderators can hide messages.', 'label-art' ), array( 'status' => 403 ) );
		}
		return Label_Art_Messages::find( absint( $request['id'] ) ) ? true : new WP_Error( 'label_art_no_message', __( 'No such message.', 'label-art' ), array( 'status' => 404 ) );
	}

	/**
	 * The caller's own data.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public static function can_self( $request ) {
		$ok = self::base_check( $request );
		return true === $ok && null !== Label_Art_Assertion::payload() ? new WP_Error( 'label_art_forbidden', __( 'Not allowed here.', 'label-art' ), array( 'status' => 403 ) ) : $ok;
	}

	/**
	 * A thread's messages (marks them read).
	 *
	 * @param string $thread Thread key.
	 * @return WP_REST_Response
	 */
	private static function thread_response( $thread ) {
		$rows = Label_Art_Messages::thread( $thread, current_user_can( Label_Art_Roles::CAP_MODERATE ) );
		$unread = Label_Art_Messages::unread( get_current_user_id() )[ $thread ] ?? 0;
		if ( $rows ) {
			Label_Art_Messages::mark_read( get_current_user_id(), $thread, max( array_map( static fn( $r ) => (int) $r->id, $rows ) ) );
		}
		return rest_ensure_response( array( 'thread' => $thread, 'unread' => $unread, 'messages' => array_map( array( 'Label_Art_Messages', 'to_array' ), $rows ) ) );
	}

	/**
	 * GET team thread.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public static function get_team( $request ) {
		return self::thread_response( Label_Art_Messages::team_thread( self::page_of( $request ) ) );
	}

	/**
	 * POST to team thread.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function post_team( $request ) {
		$id = Label_Art_Messages::post_team( self::page_of( $request ), get_current_user_id(), (string) $request['body'], (bool) $request['pinned'] );
		return is_wp_error( $id ) ? $id : new WP_REST_Response( Label_Art_Messages::to_array( Label_Art_Messages::find( $id ) ), 201 );
	}

	/**
	 * GET a direct conversation.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public static function get_dm( $request ) {
		return self::thread_response( Label_Art_Messages::dm_thread( get_current_user_id(), absint( $request['id'] ) ) );
	}

	/**
	 * POST a direct message.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function post_dm( $request ) {
		$id = Label_Art_Messages::post_dm( get_current_user_id(), absint( $request['id'] ), (string) $request['body'] );
		return is_wp_error( $id ) ? $id : new WP_REST_Response( Label_Art_Messages::to_array( Label_Art_Messages::find( $id ) ), 201 );
	}

	/**
	 * Hide a message.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public static function hide( $request ) {
		Label_Art_Messages::set_hidden( absint( $request['id'] ), get_current_user_id(), true );
		return rest_ensure_response( array( 'hidden' => true ) );
	}

	/**
	 * Unread counts per thread, their total, and unread notices.
	 *
	 * @return WP_REST_Response
	 */
	public static function get_unread() {
		$counts = Label_Art_Messages::unread( get_current_user_id() );
		return rest_ensure_response( array( 'threads' => $counts, 'total' => array_sum( $counts ), 'notices' => Label_Art_Notices::unread_count( get_current_user_id() ) ) );
	}
}
