<?php
/**
 * The plugin's settings: prefixed options, overridable by wp-config.php constants and filters.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads and writes settings. A constant (e.g. LABEL_ART_SSO_SECRET) wins over the option, so a
 * host can keep secrets out of the database; the `label_art_setting_{name}` filter has the last word.
 */
final class Label_Art_Settings {

	/** Option and constant names per setting. */
	const KEYS = array(
		'service_url'      => array( 'label_art_service_url', 'LABEL_ART_SERVICE_URL' ),
		'service_key'      => array( 'label_art_service_key', 'LABEL_ART_SERVICE_KEY' ),
		'sso_secret'       => array( 'label_art_sso_secret', 'LABEL_ART_SSO_SECRET' ),
		'require_approval' => array( 'label_art_require_approval', 'LABEL_ART_REQUIRE_APPROVAL' ),
	);

	/**
	 * A setting's value.
	 *
	 * @param string $name One of KEYS.
	 * @return string
	 */
	public static function get( $name ) {
		list( $option, $constant ) = self::KEYS[ $name ];
		$value = defined( $constant ) ? (string) constant( $constant ) : (string) get_option( $option, '' );
		/**
		 * Filters a Label.Art setting.
		 *
		 * @param string $value The value from the constant or option.
		 */
		return (string) apply_filters( "label_art_setting_{$name}", $value );
	}

	/**
	 * Whether a wp-config.php constant fixes this setting (the settings page then shows it read-only).
	 *
	 * @param string $name One of KEYS.
	 * @return bool
	 */
	public static function is_constant( $name ) {
		return defined( self::KEYS[ $name ][1] );
	}

	/**
	 * Store a setting in its option.
	 *
	 * @param string $name  One of KEYS.
	 * @param string $value Already sanitised.
	 */
	public static function set( $name, $value ) {
		// Secrets are not autoloaded: they are needed on few requests.
		update_option( self::KEYS[ $name ][0], $value, 'sso_secret' !== $name && 'service_key' !== $name );
	}

	/**
	 * A short fingerprint that lets an admin compare secrets without the page showing one.
	 *
	 * @param string $secret A secret.
	 * @return string Eight hex digits, or '' when empty.
	 */
	public static function fingerprint( $secret ) {
		return '' === $secret ? '' : substr( hash( 'sha256', $secret ), 0, 8 );
	}

	/** A new random secret (no default secret ever exists). */
	public static function new_secret() {
		return rtrim( strtr( base64_encode( random_bytes( 48 ) ), '+/', '-_' ), '=' );
	}
}
