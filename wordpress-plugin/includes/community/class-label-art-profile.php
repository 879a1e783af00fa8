<?php
/**
 * The artist profile: disciplines, instruments, genres, tools, languages and a short bio.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Stored as one user meta array `label_art_profile`; edited on the front end ([label_art_profile])
 * and shown on wp-admin's profile screen.
 */
final class Label_Art_Profile {

	const META = 'label_art_profile';
	/** List fields (comma-separated in the form). */
	const LISTS = array( 'disciplines', 'instruments', 'genres', 'tools', 'languages' );
	/** Longest bio kept. */
	const MAX_BIO = 2000;

	/** Hooks. */
	public static function register() {
		add_action( 'admin_post_label_art_profile', array( __CLASS__, 'handle_save' ) );
		add_shortcode( 'label_art_profile', array( __CLASS__, 'shortcode' ) );
		add_action( 'show_user_profile', array( __CLASS__, 'admin_view' ) );
		add_action( 'edit_user_profile', array( __CLASS__, 'admin_view' ) );
	}

	/** Field labels, translated. */
	public static function labels() {
		return array(
			'disciplines' => __( 'Disciplines', 'label-art' ),
			'instruments' => __( 'Instruments', 'label-art' ),
			'genres'      => __( 'Genres', 'label-art' ),
			'tools'       => __( 'Tools', 'label-art' ),
			'languages'   => __( 'Languages', 'label-art' ),
		);
	}

	/**
	 * A user's profile with every key present.
	 *
	 * @param int $user_id User.
	 * @return array
	 */
	public static function get( $user_id ) {
		$stored = get_user_meta( $user_id, self::META, true );
		$profile = array_fill_keys( self::LISTS, array() ) + array( 'bio' => '' );
		return is_array( $stored ) ? array_merge( $profile, array_intersect_key( $stored, $profile ) ) : $profile;
	}

	/**
	 * Sanitise form input into a profile (sanitise early).
	 *
	 * @param array $input Unslashed form fields.
	 * @return array
	 */
	public static function sanitize( array $input ) {
		$profile = array();
		foreach ( self::LISTS as $key ) {
			$items = array_map( 'sanitize_text_field', explode( ',', (string) ( $input[ $key ] ?? '' ) ) );
			$profile[ $key ] = array_slice( array_values( array_filter( array_map( 'trim', $items ) ) ), 0, 30 );
		}
		$profile['bio'] = mb_substr( sanitize_textarea_field( (string) ( $input['bio'] ?? '' ) ), 0, self::MAX_BIO );
		return $profile;
	}

	/** Save handler: a user edits only their own profile. */
	public static function handle_save() {
		if ( ! is_user_logged_in() || ! current_user_can( 'read' ) ) {
			wp_die( esc_html__( 'Log in to edit your profile.', 'label-art' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( 'label_art_profile' );
		update_user_meta( get_current_user_id(), self::META, self::sanitize( wp_unslash( $_POST ) ) ); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput
		$back = isset( $_POST['redirect'] ) ? esc_url_raw( wp_unslash( $_POST['redirect'] ) ) : home_url( '/' );
		wp_safe_redirect( add_query_arg( 'label_art_saved', '1', $back ) );
		exit;
	}

	/** [label_art_profile]: the form for the current user. */
	public static function shortcode() {
		if ( ! is_user_logged_in() ) {
			return '<p>' . esc_html__( 'Log in to fill in your artist profile.', 'label-art' ) . '</p>';
		}
		ob_start();
		$profile = self::get( get_current_user_id() );
		$labels = self::labels();
		include LABEL_ART_DIR . 'templates/profile-form.php';
		return ob_get_clean();
	}

	/**
	 * Read-only profile on wp-admin's user screen.
	 *
	 * @param WP_User $user Shown user.
	 */
	public static function admin_view( $user ) {
		$profile = self::get( $user->ID );
		echo '<h2>' . esc_html__( 'Artist profile', 'label-art' ) . '</h2><table class="form-table">';
		foreach ( self::labels() as $key => $label ) {
			echo '<tr><th>' . esc_html( $label ) . '</th><td>' . esc_html( implode( ', ', $profile[ $key ] ) ) . '</td></tr>';
		}
		echo '<tr><th>' . esc_html__( 'Bio', 'label-art' ) . '</th><td>' . esc_html( $profile['bio'] ) . '</td></tr></table>';
	}
}
