<?php
/**
 * Signed tokens shared with the labeling service (worker/services/sso.py speaks the same format).
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * `base64url(JSON payload) . "." . base64url(HMAC-SHA256(secret, first part))`.
 */
final class Label_Art_Token {

	/** Longest lifetime a verified token may claim, in seconds. */
	const MAX_LIFETIME = 300;
	/** Clock skew tolerated between the two hosts, in seconds. */
	const LEEWAY = 30;

	/**
	 * URL-safe base64 without padding.
	 *
	 * @param string $raw Bytes.
	 * @return string
	 */
	public static function b64( $raw ) {
		return rtrim( strtr( base64_encode( $raw ), '+/', '-_' ), '=' );
	}

	/**
	 * Sign a payload.
	 *
	 * @param array  $payload Claims.
	 * @param string $secret  Shared secret.
	 * @return string
	 */
	public static function sign( array $payload, $secret ) {
		$body = self::b64( wp_json_encode( $payload ) );
		return $body . '.' . self::b64( hash_hmac( 'sha256', $body, $secret, true ) );
	}

	/**
	 * Verify signature (constant time), audience and times.
	 *
	 * @param string $token  Token.
	 * @param string $secret Shared secret.
	 * @param string $aud    Expected audience.
	 * @return array|WP_Error The payload, or label_art_bad_token.
	 */
	public static function verify( $token, $secret, $aud ) {
		$fail = new WP_Error( 'label_art_bad_token', __( 'The signed assertion is invalid or expired.', 'label-art' ), array( 'status' => 401 ) );
		if ( '' === $secret || ! is_string( $token ) || 1 !== substr_count( $token, '.' ) || strlen( $token ) > 4096 ) {
			return $fail;
		}
		list( $body, $mac ) = explode( '.', $token );
		$given = base64_decode( strtr( $mac, '-_', '+/' ), true );
		if ( false === $given || ! hash_equals( hash_hmac( 'sha256', $body, $secret, true ), $given ) ) {
			return $fail;
		}
		$payload = json_decode( (string) base64_decode( strtr( $body, '-_', '+/' ), true ), true );
		$now = time();
		if ( ! is_array( $payload ) || ( $payload['aud'] ?? '' ) !== $aud
			|| ! is_int( $payload['exp'] ?? null ) || ! is_int( $payload['iat'] ?? null )
			|| $payload['exp'] < $now - self::LEEWAY || $payload['iat'] > $now + self::LEEWAY
			|| $payload['exp'] - $payload['iat'] > self::MAX_LIFETIME ) {
			return $fail;
		}
		return $payload;
	}
}
