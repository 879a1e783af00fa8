<?php
/**
 * On-site notices (with an email copy) for decisions, mentions and approvals.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * The notices table's model. SQL lives here only, always prepared.
 */
final class Label_Art_Notices {

	/**
	 * Notify a user on the site and by email.
	 *
	 * @param int    $user_id Recipient.
	 * @param string $subject Email subject.
	 * @param string $message Plain text.
	 * @param string $link    Where the notice leads.
	 * @return int Notice id.
	 */
	public static function notify( $user_id, $subject, $message, $link = '' ) {
		global $wpdb;
		$wpdb->insert(
			Label_Art_Schema::table( 'notices' ),
			array(
				'user_id'    => absint( $user_id ),
				'message'    => $message,
				'link'       => esc_url_raw( $link ),
				'is_read'    => 0,
				'created_at' => current_time( 'mysql', true ),
			),
			array( '%d', '%s', '%s', '%d', '%s' )
		);
		$id = (int) $wpdb->insert_id;
		$user = get_userdata( $user_id );
		if ( $user && $user->user_email ) {
			wp_mail( $user->user_email, $subject, $message . ( $link ? "\n\n" . $link : '' ) );
		}
		/**
		 * Fires after a notice is stored and mailed.
		 *
		 * @param int    $id      Notice id.
		 * @param int    $user_id Recipient.
		 * @param string $message Text.
		 */
		do_action( 'label_art_notices_sent', $id, $user_id, $message );
		return $id;
	}

	/**
	 * A user's latest notices.
	 *
	 * @param int $user_id User.
	 * @param int $limit   How many.
	 * @return array<object>
	 */
	public static function for_user( $user_id, $limit = 20 ) {
		global $wpdb;
		$table = Label_Art_Schema::table( 'notices' );
		return $wpdb->get_results( $wpdb->prepare( "SELECT id, message, link, is_read, created_at FROM {$table} WHERE user_id = %d ORDER BY id DESC LIMIT %d", $user_id, $limit ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Unread notices.
	 *
	 * @param int $user_id User.
	 * @return int
	 */
	public static function unread_count( $user_id ) {
		global $wpdb;
		$table = Label_Art_Schema::table( 'notices' );
		return (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE user_id = %d AND is_read = 0", $user_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Mark all of a user's notices read.
	 *
	 * @param int $user_id User.
	 */
	public static function mark_read( $user_id ) {
		global $wpdb;
		$wpdb->update( Label_Art_Schema::table( 'notices' ), array( 'is_read' => 1 ), array( 'user_id' => absint( $user_id ) ), array( '%d' ), array( '%d' ) );
	}

	/**
	 * Everyone who moderates (for "new request" emails).
	 *
	 * @return int[]
	 */
	public static function moderator_ids() {
		return array_map( 'intval', get_users( array( 'capability' => Label_Art_Roles::CAP_MODERATE, 'fields' => 'ID' ) ) );
	}
}
