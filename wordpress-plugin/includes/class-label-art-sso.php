<?php
/**
 * Single sign-on into the labeling service ("Start labeling").
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Builds a short-lived, one-time token signed with the shared secret and sends the member to
 * the service's /sso. The service checks signature, expiry and nonce (worker/services/sso.py).
 */
final class Label_Art_Sso {

	/** Token audience, checked by the service. */
	const AUD = 'labelart-sso';
	/** Token lifetime in seconds: long enough for a redirect, short enough that a leaked URL is stale. */
	const TTL = 60;

	/** Hooks. */
	public static function register() {
		add_action( 'admin_post_label_art_sso', array( __CLASS__, 'handle' ) );
		add_action( 'admin_post_nopriv_label_art_sso', array( __CLASS__, 'login_first' ) );
	}

	/**
	 * The "Start labeling" link for a project page (nonce bound to the user and the project).
	 *
	 * @param int $post_id Project page.
	 * @return string
	 */
	public static function link( $post_id ) {
		return wp_nonce_url( admin_url( 'admin-post.php?action=label_art_sso&project=' . absint( $post_id ) ), 'label_art_sso_' . absint( $post_id ) );
	}

	/** Anonymous visitors log in first. */
	public static function login_first() {
		wp_safe_redirect( wp_login_url( wp_get_referer() ? wp_get_referer() : home_url( '/' ) ) );
		exit;
	}

	/** Check, sign, redirect. */
	public static function handle() {
		$post_id = isset( $_GET['project'] ) ? absint( $_GET['project'] ) : 0;
		$user_id = get_current_user_id();
		if ( ! current_user_can( Label_Art_Roles::CAP_JOIN ) ) {
			wp_die( esc_html__( 'Your account cannot use the labeling service.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( 'label_art_sso_' . $post_id );
		$service_id = (int) get_post_meta( $post_id, Label_Art_Project_Type::META_SERVICE_ID, true );
		if ( ! Label_Art_Accounts::is_approved( $user_id ) || ! $service_id || ! Label_Art_Members::can_access( $post_id, $user_id ) ) {
			wp_die( esc_html__( 'You are not on this project’s team yet.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		$secret = Label_Art_Settings::get( 'sso_secret' );
		$url = untrailingslashit( Label_Art_Settings::get( 'service_url' ) );
		if ( '' === $secret || '' === $url ) {
			wp_die( esc_html__( 'Single sign-on is not configured yet.', 'label-art' ), '', array( 'response' => 503 ) );
		}
		$token = Label_Art_Token::sign( self::claims( $user_id, $service_id ), $secret );
		// The service is on another host: allow exactly that host for this redirect.
		add_filter(
			'allowed_redirect_hosts',
			static function ( $hosts ) use ( $url ) {
				$hosts[] = wp_parse_url( $url, PHP_URL_HOST );
				return $hosts;
			}
		);
		wp_safe_redirect( $url . '/sso?token=' . rawurlencode( $token ) );
		exit;
	}

	/**
	 * The signed claims: identity, site roles, project memberships (service ids), expiry, nonce.
	 * Moderators manage every linked project, so they get the manager role in each.
	 *
	 * @param int $user_id    Member.
	 * @param int $service_id Project to land in.
	 * @return array
	 */
	public static function claims( $user_id, $service_id ) {
		$user = get_userdata( $user_id );
		$now = time();
		return array(
			'aud'      => self::AUD,
			'sub'      => (int) $user_id,
			'login'    => $user->user_login,
			'name'     => $user->display_name,
			'email'    => $user->user_email,
			'roles'    => array_values( $user->roles ),
			'projects' => self::project_claims( $user_id ),
			'project'  => (int) $service_id,
			'site'     => rest_url(),
			'iat'      => $now,
			'exp'      => $now + self::TTL,
			'nonce'    => bin2hex( random_bytes( 16 ) ),
		);
	}

	/**
	 * [{id: service project id, role}] for every project the user may work on.
	 *
	 * @param int $user_id User.
	 * @return array
	 */
	public static function project_claims( $user_id ) {
		$claims = array();
		if ( user_can( $user_id, Label_Art_Roles::CAP_MODERATE ) ) {
			$pages = get_posts( array( 'post_type' => Label_Art_Project_Type::POST_TYPE, 'post_status' => 'publish', 'fields' => 'ids', 'numberposts' => -1 ) );
			foreach ( $pages as $page ) {
				$sid = (int) get_post_meta( $page, Label_Art_Project_Type::META_SERVICE_ID, true );
				if ( $sid ) {
					$claims[ $sid ] = array( 'id' => $sid, 'role' => 'manager' );
				}
			}
			return array_values( $claims );
		}
		foreach ( Label_Art_Members::of_user( $user_id ) as $row ) {
			$sid = (int) get_post_meta( (int) $row->project_id, Label_Art_Project_Type::META_SERVICE_ID, true );
			if ( $sid ) {
				$claims[ $sid ] = array( 'id' => $sid, 'role' => $row->role );
			}
		}
		return array_values( $claims );
	}
}
