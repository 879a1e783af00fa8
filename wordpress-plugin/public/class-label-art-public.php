<?php
/**
 * Front end: project pages' live content, notices, styles and the messages panel script.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders templates/ into project pages and shortcodes. Templates escape every value.
 */
final class Label_Art_Public {

	/** Hooks. */
	public static function register() {
		add_filter( 'the_content', array( __CLASS__, 'project_content' ) );
		add_action( 'wp_enqueue_scripts', array( __CLASS__, 'assets' ) );
		add_shortcode( 'label_art_notices', array( __CLASS__, 'notices_shortcode' ) );
		add_shortcode( 'label_art_projects', array( __CLASS__, 'projects_shortcode' ) );
	}

	/** Styles everywhere; the panel script only on project pages. */
	public static function assets() {
		wp_enqueue_style( 'label-art', LABEL_ART_URL . 'public/css/label-art.css', array(), LABEL_ART_VERSION );
		if ( is_singular( Label_Art_Project_Type::POST_TYPE ) && is_user_logged_in() ) {
			wp_enqueue_script( 'label-art-messages', LABEL_ART_URL . 'public/js/label-art-messages.js', array(), LABEL_ART_VERSION, true );
			wp_localize_script(
				'label-art-messages',
				'labelArt',
				array(
					'root'  => esc_url_raw( rest_url( Label_Art_Messages_Rest::NS ) ),
					'nonce' => wp_create_nonce( 'wp_rest' ),
					'i18n'  => array( 'hide' => __( 'Hide', 'label-art' ), 'failed' => __( 'Could not send the message.', 'label-art' ) ),
				)
			);
		}
	}

	/**
	 * Append progress, contributors, team, join/start and the team thread to a project page.
	 *
	 * @param string $content Post content.
	 * @return string
	 */
	public static function project_content( $content ) {
		if ( ! is_singular( Label_Art_Project_Type::POST_TYPE ) || ! in_the_loop() || ! is_main_query() ) {
			return $content;
		}
		$page = get_the_ID();
		$user_id = get_current_user_id();
		$view = array(
			'page'       => $page,
			'guidelines' => (string) get_post_meta( $page, Label_Art_Project_Type::META_GUIDELINES, true ),
			'stats'      => self::stats( $page ),
			'team'       => Label_Art_Members::of_project( $page, 'approved' ),
			'membership' => $user_id ? Label_Art_Members::get( $page, $user_id ) : null,
			'can_access' => $user_id && Label_Art_Members::can_access( $page, $user_id ),
			'can_join'   => $user_id && current_user_can( Label_Art_Roles::CAP_JOIN ) && Label_Art_Accounts::is_approved( $user_id ),
			'messages'   => array(),
			'moderator'  => current_user_can( Label_Art_Roles::CAP_MODERATE ),
		);
		if ( $view['can_access'] ) {
			$view['messages'] = Label_Art_Messages::thread( Label_Art_Messages::team_thread( $page ), $view['moderator'] );
		}
		ob_start();
		include LABEL_ART_DIR . 'templates/project-page.php';
		return $content . ob_get_clean();
	}

	/**
	 * Live figures from the service, else the last ones it pushed over XML-RPC.
	 *
	 * @param int $page Project page.
	 * @return array{total_tasks:int,labeled_tasks:int,contributors:array}
	 */
	public static function stats( $page ) {
		$sid = (int) get_post_meta( $page, Label_Art_Project_Type::META_SERVICE_ID, true );
		$live = $sid ? Label_Art_Service_Client::stats( $sid ) : null;
		if ( is_array( $live ) && isset( $live['total_tasks'] ) ) {
			return array( 'total_tasks' => (int) $live['total_tasks'], 'labeled_tasks' => (int) $live['labeled_tasks'], 'contributors' => array_slice( (array) $live['contributors'], 0, 5 ) );
		}
		$pushed = get_post_meta( $page, Label_Art_Project_Type::META_PROGRESS, true );
		return array(
			'total_tasks'   => (int) ( $pushed['total_tasks'] ?? 0 ),
			'labeled_tasks' => (int) ( $pushed['labeled_tasks'] ?? 0 ),
			'contributors'  => array(),
		);
	}

	/** [label_art_notices]: the current user's notices, then marks them read. */
	public static function notices_shortcode() {
		if ( ! is_user_logged_in() ) {
			return '';
		}
		$notices = Label_Art_Notices::for_user( get_current_user_id() );
		ob_start();
		include LABEL_ART_DIR . 'templates/notices.php';
		Label_Art_Notices::mark_read( get_current_user_id() );
		return ob_get_clean();
	}

	/** [label_art_projects]: open projects to browse. */
	public static function projects_shortcode() {
		$projects = get_posts( array( 'post_type' => Label_Art_Project_Type::POST_TYPE, 'post_status' => 'publish', 'numberposts' => 50 ) );
		$out = '<ul class="label-art-projects">';
		foreach ( $projects as $project ) {
			$out .= '<li><a href="' . esc_url( get_permalink( $project ) ) . '">' . esc_html( get_the_title( $project ) ) . '</a></li>';
		}
		return $out . '</ul>';
	}
}
