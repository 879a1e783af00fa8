<?php
/**
 * The project page post type, its meta box, and its link to the service project.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * `labelart_project` pages. Saving one (moderators, in wp-admin) creates or updates the project
 * in the labeling service through its API; the service id is kept in post meta.
 */
final class Label_Art_Project_Type {

	const POST_TYPE = 'labelart_project';
	/** Post meta: the service project id. */
	const META_SERVICE_ID = '_label_art_service_id';
	const META_GUIDELINES = '_label_art_guidelines';
	const META_CONFIG = '_label_art_label_config';
	/** Post meta: the last progress pushed by the service over XML-RPC. */
	const META_PROGRESS = '_label_art_progress';
	/** Post meta: the last sync error, shown to editors until the next successful save. */
	const META_SYNC_ERROR = '_label_art_sync_error';
	/** Longest labeling config accepted from the form. */
	const MAX_CONFIG = 100000;

	/** Hooks. */
	public static function register() {
		add_action( 'init', array( __CLASS__, 'register_type' ) );
		add_action( 'add_meta_boxes_' . self::POST_TYPE, array( __CLASS__, 'add_meta_box' ) );
		add_action( 'save_post_' . self::POST_TYPE, array( __CLASS__, 'save' ), 10, 2 );
		add_action( 'admin_notices', array( __CLASS__, 'sync_notice' ) );
	}

	/** The post type; its own capability type so only moderators and admins edit project pages. */
	public static function register_type() {
		register_post_type(
			self::POST_TYPE,
			array(
				'labels'          => array(
					'name'          => __( 'Labeling projects', 'label-art' ),
					'singular_name' => __( 'Labeling project', 'label-art' ),
					'add_new_item'  => __( 'Add labeling project', 'label-art' ),
					'edit_item'     => __( 'Edit labeling project', 'label-art' ),
				),
				'public'          => true,
				'has_archive'     => true,
				'rewrite'         => array( 'slug' => 'labeling-projects' ),
				'supports'        => array( 'title', 'editor', 'excerpt' ),
				'capability_type' => array( 'labelart_project', 'labelart_projects' ),
				'map_meta_cap'    => true,
				// The classic editor keeps the meta box a plain, nonce-protected form.
				'show_in_rest'    => false,
				'menu_icon'       => 'dashicons-art',
			)
		);
	}

	/** The settings meta box. */
	public static function add_meta_box() {
		add_meta_box( 'label-art-project', __( 'Labeling', 'label-art' ), array( __CLASS__, 'render_meta_box' ), self::POST_TYPE, 'normal', 'high' );
	}

	/**
	 * Meta box body.
	 *
	 * @param WP_Post $post The page.
	 */
	public static function render_meta_box( $post ) {
		wp_nonce_field( 'label_art_project_' . $post->ID, 'label_art_project_nonce' );
		$service_id = (int) get_post_meta( $post->ID, self::META_SERVICE_ID, true );
		?>
		<p><label for="label-art-guidelines"><strong><?php esc_html_e( 'Guidelines', 'label-art' ); ?></strong></label><br>
		<textarea id="label-art-guidelines" name="label_art_guidelines" rows="6" class="large-text"><?php echo esc_textarea( get_post_meta( $post->ID, self::META_GUIDELINES, true ) ); ?></textarea></p>
		<p><label for="label-art-config"><strong><?php esc_html_e( 'Labeling template (Label Studio XML)', 'label-art' ); ?></strong></label><br>
		<textarea id="label-art-config" name="label_art_label_config" rows="8" class="large-text code"><?php echo esc_textarea( get_post_meta( $post->ID, self::META_CONFIG, true ) ); ?></textarea></p>
		<p><?php echo $service_id ? esc_html( sprintf( /* translators: %d: project id */ __( 'Linked to service project #%d.', 'label-art' ), $service_id ) ) : esc_html__( 'Not linked yet: publishing creates the project in the labeling service.', 'label-art' ); ?></p>
		<?php
	}

	/**
	 * Save meta and sync to the service. Nonce, then capability on this post, then sanitise.
	 *
	 * @param int     $post_id Post id.
	 * @param WP_Post $post    Post.
	 */
	public static function save( $post_id, $post ) {
		if ( defined( 'DOING_AUTOSAVE' ) && DOING_AUTOSAVE || wp_is_post_revision( $post_id ) ) {
			return;
		}
		$nonce = isset( $_POST['label_art_project_nonce'] ) ? sanitize_text_field( wp_unslash( $_POST['label_art_project_nonce'] ) ) : '';
		if ( ! wp_verify_nonce( $nonce, 'label_art_project_' . $post_id ) || ! current_user_can( 'edit_post', $post_id ) ) {
			return;
		}
		if ( isset( $_POST['label_art_guidelines'] ) ) {
			update_post_meta( $post_id, self::META_GUIDELINES, wp_kses_post( wp_unslash( $_POST['label_art_guidelines'] ) ) );
		}
		if ( isset( $_POST['label_art_label_config'] ) ) {
			// XML is kept verbatim (the service parses it with defusedxml and names any error); it is only ever shown escaped.
			$config = substr( (string) wp_unslash( $_POST['label_art_label_config'] ), 0, self::MAX_CONFIG ); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput
			update_post_meta( $post_id, self::META_CONFIG, wp_check_invalid_utf8( $config ) );
		}
		if ( 'publish' === $post->post_status ) {
			self::sync( $post_id );
		}
	}

	/**
	 * Create or update the service project for a page; errors are kept for the editor to see.
	 *
	 * @param int $post_id Project page.
	 * @return int|WP_Error Service project id.
	 */
	public static function sync( $post_id ) {
		$post = get_post( $post_id );
		$service_id = (int) get_post_meta( $post_id, self::META_SERVICE_ID, true );
		$fields = array(
			'title'              => wp_strip_all_tags( $post->post_title ),
			'description'        => wp_strip_all_tags( $post->post_excerpt ? $post->post_excerpt : $post->post_content ),
			'expert_instruction' => (string) get_post_meta( $post_id, self::META_GUIDELINES, true ),
		);
		$config = (string) get_post_meta( $post_id, self::META_CONFIG, true );
		if ( '' !== trim( $config ) ) {
			$fields['label_config'] = $config;
		}
		$result = Label_Art_Service_Client::save_project( $service_id ?: null, $fields );
		if ( is_wp_error( $result ) ) {
			update_post_meta( $post_id, self::META_SYNC_ERROR, $result->get_error_message() );
			return $result;
		}
		delete_post_meta( $post_id, self::META_SYNC_ERROR );
		if ( ! $service_id && isset( $result['id'] ) ) {
			$service_id = absint( $result['id'] );
			update_post_meta( $post_id, self::META_SERVICE_ID, $service_id );
		}
		/**
		 * Fires after a project page is synced to the service.
		 *
		 * @param int $post_id    Project page.
		 * @param int $service_id Service project id.
		 */
		do_action( 'label_art_projects_synced', $post_id, $service_id );
		return $service_id;
	}

	/** Show the last sync error on the edit screen. */
	public static function sync_notice() {
		$screen = get_current_screen();
		if ( ! $screen || self::POST_TYPE !== $screen->post_type || empty( $_GET['post'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
			return;
		}
		$error = get_post_meta( absint( $_GET['post'] ), self::META_SYNC_ERROR, true ); // phpcs:ignore WordPress.Security.NonceVerification
		if ( $error ) {
			printf( '<div class="notice notice-error"><p>%s</p></div>', esc_html( $error ) );
		}
	}

	/**
	 * The page linked to a service project.
	 *
	 * @param int $service_id Service project id.
	 * @return int Page id or 0.
	 */
	public static function by_service_id( $service_id ) {
		$ids = get_posts(
			array(
				'post_type'      => self::POST_TYPE,
				'post_status'    => 'any',
				'fields'         => 'ids',
				'posts_per_page' => 1,
				'meta_key'       => self::META_SERVICE_ID, // phpcs:ignore WordPress.DB.SlowDBQuery
				'meta_value'     => (string) absint( $service_id ), // phpcs:ignore WordPress.DB.SlowDBQuery
			)
		);
		return $ids ? (int) $ids[0] : 0;
	}

	/**
	 * Whether the id names a project page.
	 *
	 * @param int $post_id Id.
	 * @return bool
	 */
	public static function exists( $post_id ) {
		$post = get_post( $post_id );
		return $post && self::POST_TYPE === $post->post_type;
	}
}
