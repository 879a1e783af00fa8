<?php
/**
 * Project membership: join requests, decisions and roles.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * The members table's model; every state change goes through here. SQL always prepared.
 */
final class Label_Art_Members {

	/** Roles a member can hold in a project. */
	const ROLES = array( 'annotator', 'reviewer' );
	/** Statuses of a membership row. */
	const STATUSES = array( 'pending', 'approved', 'declined', 'suspended' );

	/** @return string */
	private static function table() {
		return Label_Art_Schema::table( 'members' );
	}

	/**
	 * One membership row.
	 *
	 * @param int $project_id Project page id.
	 * @param int $user_id    User.
	 * @return object|null
	 */
	public static function get( $project_id, $user_id ) {
		global $wpdb;
		$table = self::table();
		return $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE project_id = %d AND user_id = %d", $project_id, $user_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * A row by id.
	 *
	 * @param int $id Row id.
	 * @return object|null
	 */
	public static function find( $id ) {
		global $wpdb;
		$table = self::table();
		return $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Whether the user is an approved member.
	 *
	 * @param int $project_id Project page id.
	 * @param int $user_id    User.
	 * @return bool
	 */
	public static function is_member( $project_id, $user_id ) {
		$row = self::get( $project_id, $user_id );
		return $row && 'approved' === $row->status;
	}

	/**
	 * Ask to join. A declined or new request becomes pending; approved/suspended members are left alone.
	 *
	 * @param int    $project_id Project page id.
	 * @param int    $user_id    Applicant.
	 * @param string $motivation Sanitised text.
	 * @return object|WP_Error The row.
	 */
	public static function request( $project_id, $user_id, $motivation ) {
		global $wpdb;
		$row = self::get( $project_id, $user_id );
		if ( $row && in_array( $row->status, array( 'approved', 'suspended', 'pending' ), true ) ) {
			return new WP_Error( 'label_art_already_requested', __( 'You already asked to join this project, or are on its team.', 'label-art' ), array( 'status' => 409 ) );
		}
		$now = current_time( 'mysql', true );
		$table = self::table();
		// One statement so a double-submitted form cannot create two rows (unique project_user key).
		$wpdb->query( $wpdb->prepare( "INSERT INTO {$table} (project_id, user_id, role, status, motivation, created_at) VALUES (%d, %d, 'annotator', 'pending', %s, %s) ON DUPLICATE KEY UPDATE status = 'pending', motivation = VALUES(motivation), created_at = VALUES(created_at), decided_at = NULL, decided_by = 0", $project_id, $user_id, $motivation, $now ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return self::get( $project_id, $user_id );
	}

	/**
	 * Change a row's status and/or role, recording who decided.
	 *
	 * @param int         $id         Row id.
	 * @param string      $status     One of STATUSES.
	 * @param int         $decided_by Moderator.
	 * @param string|null $role       One of ROLES, or null to keep.
	 * @return bool
	 */
	public static function decide( $id, $status, $decided_by, $role = null ) {
		global $wpdb;
		if ( ! in_array( $status, self::STATUSES, true ) || ( null !== $role && ! in_array( $role, self::ROLES, true ) ) ) {
			return false;
		}
		$data = array( 'status' => $status, 'decided_at' => current_time( 'mysql', true ), 'decided_by' => absint( $decided_by ) );
		$formats = array( '%s', '%s', '%d' );
		if ( null !== $role ) {
			$data['role'] = $role;
			$formats[] = '%s';
		}
		return false !== $wpdb->update( self::table(), $data, array( 'id' => absint( $id ) ), $formats, array( '%d' ) );
	}

	/**
	 * Remove a membership row.
	 *
	 * @param int $id Row id.
	 */
	public static function remove( $id ) {
		global $wpdb;
		$wpdb->delete( self::table(), array( 'id' => absint( $id ) ), array( '%d' ) );
	}

	/**
	 * Rows of a project, optionally by status.
	 *
	 * @param int         $project_id Project page id.
	 * @param string|null $status     Filter.
	 * @return array<object>
	 */
	public static function of_project( $project_id, $status = null ) {
		global $wpdb;
		$table = self::table();
		if ( null === $status ) {
			return $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE project_id = %d ORDER BY id", $project_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		}
		return $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE project_id = %d AND status = %s ORDER BY id", $project_id, $status ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Every pending request, oldest first (moderators' queue).
	 *
	 * @return array<object>
	 */
	public static function pending() {
		global $wpdb;
		$table = self::table();
		return $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE status = %s ORDER BY id", 'pending' ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * A user's approved memberships.
	 *
	 * @param int $user_id User.
	 * @return array<object>
	 */
	public static function of_user( $user_id ) {
		global $wpdb;
		$table = self::table();
		return $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE user_id = %d AND status = %s", $user_id, 'approved' ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Whether two users share a project (direct messages are allowed between team mates).
	 *
	 * @param int $a User.
	 * @param int $b User.
	 * @return bool
	 */
	public static function share_project( $a, $b ) {
		global $wpdb;
		$table = self::table();
		return (bool) $wpdb->get_var( $wpdb->prepare( "SELECT 1 FROM {$table} x JOIN {$table} y ON x.project_id = y.project_id WHERE x.user_id = %d AND y.user_id = %d AND x.status = 'approved' AND y.status = 'approved' LIMIT 1", $a, $b ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Whether the user may read and write a project's team thread: approved members and moderators.
	 *
	 * @param int $project_id Project page id.
	 * @param int $user_id    User.
	 * @return bool
	 */
	public static function can_access( $project_id, $user_id ) {
		return user_can( $user_id, Label_Art_Roles::CAP_MODERATE ) || self::is_member( $project_id, $user_id );
	}
}
