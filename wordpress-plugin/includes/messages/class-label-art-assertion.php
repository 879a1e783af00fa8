<?php
/**
 * Authenticates the labeling service's messages panel as the member it serves.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * The service sends `X-LabelArt-Assertion`: a token (audience `label-art-messages`, one minute,
 * one use) signed with the shared secret, naming the member (`sub`) and the service project.
 * It is honoured only on `label-art/v1/service-projects/<that project>/messages`, so it cannot be
 * used for anything else on the site, and the member's own permissions still apply.
 */
final class Label_Art_Assertion {

	const AUD = 'label-art-messages';
	const HEADER = 'HTTP_X_LABELART_ASSERTION';

	/** @var array|null The verified payload for this request. */
	private static $payload = null;

	/** Hooks. */
	public static function register() {
		// After cookies (10) and application passwords (20): those win when present.
		add_filter( 'determine_current_user', array( __CLASS__, 'determine_user' ), 30 );
	}

	/**
	 * Identify the member from the assertion, on our service route only.
	 *
	 * @param int|false $user_id User found so far.
	 * @return int|false
	 */
	public static function determine_user( $user_id ) {
		if ( $user_id || empty( $_SERVER[ self::HEADER ] ) || null === self::route_project() ) {
			return $user_id;
		}
		$payload = Label_Art_Token::verify( sanitize_text_field( wp_unslash( $_SERVER[ self::HEADER ] ) ), Label_Art_Settings::get( 'sso_secret' ), self::AUD );
		if ( is_wp_error( $payload ) || ! is_int( $payload['sub'] ?? null ) || ( $payload['project'] ?? null ) !== self::route_project()
			|| ! is_string( $payload['nonce'] ?? null ) || ! get_userdata( $payload['sub'] ) ) {
			return $user_id;
		}
		// One use: a captured header cannot be replayed, even within its minute.
		$seen = 'label_art_an_' . md5( $payload['nonce'] );
		if ( get_transient( $seen ) ) {
			return $user_id;
		}
		set_transient( $seen, 1, Label_Art_Token::MAX_LIFETIME );
		self::$payload = $payload;
		return $payload['sub'];
	}

	/**
	 * The service project id in the request's route, when it is our service messages route.
	 * Read from the raw request because users are determined before REST routing runs.
	 *
	 * @return int|null
	 */
	private static function route_project() {
		$route = isset( $_GET['rest_route'] ) ? (string) wp_unslash( $_GET['rest_route'] ) : (string) wp_parse_url( (string) wp_unslash( $_SERVER['REQUEST_URI'] ?? '' ), PHP_URL_PATH ); // phpcs:ignore WordPress.Security
		if ( preg_match( '#/label-art/v1/service-projects/(\d+)/messages/?$#', $route, $m ) ) {
			return (int) $m[1];
		}
		return null;
	}

	/**
	 * The verified assertion of this request, if the user came through one.
	 *
	 * @return array|null
	 */
	public static function payload() {
		return self::$payload;
	}
}
