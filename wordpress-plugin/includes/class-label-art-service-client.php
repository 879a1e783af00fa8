<?php
/**
 * The labeling service's REST API, called with the service key from the settings.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Creates/updates service projects and reads their figures. The URL is an administrator's setting,
 * not user input, so wp_remote_request (not the "safe" variant, which refuses a LAN service) is used.
 */
final class Label_Art_Service_Client {

	/**
	 * One JSON request.
	 *
	 * @param string     $method HTTP method.
	 * @param string     $path   Path under the service URL, e.g. /api/projects.
	 * @param array|null $body   JSON body.
	 * @return array|WP_Error Decoded JSON, or label_art_service_* errors.
	 */
	public static function request( $method, $path, $body = null ) {
		$url = untrailingslashit( Label_Art_Settings::get( 'service_url' ) );
		$key = Label_Art_Settings::get( 'service_key' );
		if ( '' === $url || '' === $key ) {
			return new WP_Error( 'label_art_service_unconfigured', __( 'Set the service URL and service key in Label.Art settings first.', 'label-art' ) );
		}
		$args = array(
			'method'  => $method,
			'timeout' => 10,
			'headers' => array(
				'Authorization' => 'Token ' . $key,
				'Accept'        => 'application/json',
			),
		);
		if ( null !== $body ) {
			$args['headers']['Content-Type'] = 'application/json';
			$args['body'] = wp_json_encode( $body );
		}
		$response = wp_remote_request( $url . $path, $args );
		if ( is_wp_error( $response ) ) {
			return new WP_Error( 'label_art_service_unreachable', sprintf( /* translators: %s: error */ __( 'The labeling service could not be reached: %s', 'label-art' ), $response->get_error_message() ) );
		}
		$code = wp_remote_retrieve_response_code( $response );
		$data = json_decode( wp_remote_retrieve_body( $response ), true );
		if ( $code >= 400 ) {
			$detail = is_array( $data ) && isset( $data['detail'] ) ? (string) $data['detail'] : (string) $code;
			return new WP_Error( 'label_art_service_refused', sprintf( /* translators: %s: the service's message */ __( 'The labeling service refused: %s', 'label-art' ), $detail ), array( 'status' => $code ) );
		}
		return is_array( $data ) ? $data : array();
	}

	/**
	 * Create or update the service project behind a project page.
	 *
	 * @param int|null $service_id Existing service project id, or null to create.
	 * @param array    $fields     title, description, label_config, expert_instruction.
	 * @return array|WP_Error The service's project.
	 */
	public static function save_project( $service_id, array $fields ) {
		return $service_id ? self::request( 'PATCH', '/api/projects/' . absint( $service_id ), $fields ) : self::request( 'POST', '/api/projects', $fields );
	}

	/**
	 * Progress and per-contributor figures, cached for a minute so page views do not hammer the service.
	 *
	 * @param int $service_id Service project id.
	 * @return array|WP_Error
	 */
	public static function stats( $service_id ) {
		$key = 'label_art_stats_' . absint( $service_id );
		$cached = get_transient( $key );
		if ( is_array( $cached ) ) {
			return $cached;
		}
		$data = self::request( 'GET', '/api/community/projects/' . absint( $service_id ) . '/stats' );
		if ( ! is_wp_error( $data ) ) {
			set_transient( $key, $data, MINUTE_IN_SECONDS );
		}
		return $data;
	}
}
