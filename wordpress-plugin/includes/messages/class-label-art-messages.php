<?php
/**
 * Team threads, direct messages, announcements, mentions and unread counts.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * The messages and reads tables' model. A thread key is `p:<page id>` for a project's team thread
 * and `d:<low user id>-<high user id>` for a direct conversation. Bodies are stored as written
 * (plain text) and escaped wherever shown, so a body with script is displayed inert.
 */
final class Label_Art_Messages {

	/** Longest body kept. */
	const MAX_BODY = 5000;
	/** Messages returned per read. */
	const PAGE = 100;

	/**
	 * Thread key of a project.
	 *
	 * @param int $page Project page id.
	 * @return string
	 */
	public static function team_thread( $page ) {
		return 'p:' . absint( $page );
	}

	/**
	 * Thread key of a direct conversation.
	 *
	 * @param int $a User.
	 * @param int $b User.
	 * @return string
	 */
	public static function dm_thread( $a, $b ) {
		return 'd:' . min( $a, $b ) . '-' . max( $a, $b );
	}

	/**
	 * Validate a body.
	 *
	 * @param string $body Raw text.
	 * @return string|WP_Error
	 */
	private static function clean( $body ) {
		$body = trim( wp_check_invalid_utf8( (string) $body ) );
		if ( '' === $body || mb_strlen( $body ) > self::MAX_BODY ) {
			/* translators: %d: maximum length */
			return new WP_Error( 'label_art_bad_body', sprintf( __( 'A message needs 1 to %d characters.', 'label-art' ), self::MAX_BODY ), array( 'status' => 400 ) );
		}
		return $body;
	}

	/**
	 * Post to a project's team thread and notify @mentioned team members. Callers check access.
	 *
	 * @param int    $page      Project page id.
	 * @param int    $sender_id Author.
	 * @param string $body      Text.
	 * @param bool   $pinned    An announcement (callers check the moderator capability).
	 * @return int|WP_Error Message id.
	 */
	public static function post_team( $page, $sender_id, $body, $pinned = false ) {
		$body = self::clean( $body );
		if ( is_wp_error( $body ) ) {
			return $body;
		}
		$id = self::insert( self::team_thread( $page ), $page, $sender_id, 0, $body, $pinned );
		self::notify_mentions( $page, $sender_id, $body );
		return $id;
	}

	/**
	 * Send a direct message. Callers check that the two may talk.
	 *
	 * @param int    $sender_id    Author.
	 * @param int    $recipient_id Recipient.
	 * @param string $body         Text.
	 * @return int|WP_Error
	 */
	public static function post_dm( $sender_id, $recipient_id, $body ) {
		$body = self::clean( $body );
		if ( is_wp_error( $body ) ) {
			return $body;
		}
		return self::insert( self::dm_thread( $sender_id, $recipient_id ), 0, $sender_id, $recipient_id, $body, false );
	}

	/**
	 * One insert.
	 *
	 * @param string $thread    Thread key.
	 * @param int    $page      Project page or 0.
	 * @param int    $sender    Author.
	 * @param int    $recipient Recipient or 0.
	 * @param string $body      Text.
	 * @param bool   $pinned    Announcement.
	 * @return int
	 */
	private static function insert( $thread, $page, $sender, $recipient, $body, $pinned ) {
		global $wpdb;
		$wpdb->insert(
			Label_Art_Schema::table( 'messages' ),
			array(
				'thread'       => $thread,
				'project_id'   => $page,
				'sender_id'    => $sender,
				'recipient_id' => $recipient,
				'body'         => $body,
				'pinned'       => $pinned ? 1 : 0,
				'created_at'   => current_time( 'mysql', true ),
			),
			array( '%s', '%d', '%d', '%d', '%s', '%d', '%s' )
		);
		$id = (int) $wpdb->insert_id;
		/**
		 * Fires after a message is stored.
		 *
		 * @param int    $id     Message id.
		 * @param string $thread Thread key.
		 */
		do_action( 'label_art_messages_posted', $id, $thread );
		return $id;
	}

	/**
	 * Notify each @login in the body who can read the thread (no notices leak a private thread).
	 *
	 * @param int    $page   Project page.
	 * @param int    $sender Author.
	 * @param string $body   Text.
	 */
	private static function notify_mentions( $page, $sender, $body ) {
		if ( ! preg_match_all( '/(?<![\w@])@([A-Za-z0-9_.\-]{2,60})/', $body, $found ) ) {
			return;
		}
		$author = get_userdata( $sender );
		foreach ( array_unique( $found[1] ) as $login ) {
			$user = get_user_by( 'login', rtrim( $login, '.-' ) );
			if ( ! $user || $user->ID === (int) $sender || ! Label_Art_Members::can_access( $page, $user->ID ) ) {
				continue;
			}
			Label_Art_Notices::notify(
				$user->ID,
				/* translators: %s: project title */
				sprintf( __( 'You were mentioned in %s', 'label-art' ), get_the_title( $page ) ),
				/* translators: 1: author, 2: message */
				sprintf( __( '%1$s wrote: %2$s', 'label-art' ), $author ? $author->display_name : '', wp_html_excerpt( $body, 200, '…' ) ),
				get_permalink( $page )
			);
		}
	}

	/**
	 * A thread's messages, pinned first then oldest first; hidden ones only for moderators.
	 *
	 * @param string $thread       Thread key.
	 * @param bool   $with_hidden  Include hidden messages.
	 * @return array<object>
	 */
	public static function thread( $thread, $with_hidden = false ) {
		global $wpdb;
		$table = Label_Art_Schema::table( 'messages' );
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE thread = %s AND (hidden = 0 OR %d = 1) ORDER BY id DESC LIMIT %d", $thread, $with_hidden ? 1 : 0, self::PAGE ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$rows = array_reverse( $rows );
		usort( $rows, static fn( $a, $b ) => ( (int) $b->pinned <=> (int) $a->pinned ) ?: ( (int) $a->id <=> (int) $b->id ) );
		return $rows;
	}

	/**
	 * A message by id.
	 *
	 * @param int $id Id.
	 * @return object|null
	 */
	public static function find( $id ) {
		global $wpdb;
		$table = Label_Art_Schema::table( 'messages' );
		return $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$table} WHERE id = %d", $id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Hide (or unhide) a message.
	 *
	 * @param int  $id        Message.
	 * @param int  $moderator Who.
	 * @param bool $hidden    State.
	 */
	public static function set_hidden( $id, $moderator, $hidden = true ) {
		global $wpdb;
		$wpdb->update( Label_Art_Schema::table( 'messages' ), array( 'hidden' => $hidden ? 1 : 0, 'hidden_by' => $hidden ? $moderator : 0 ), array( 'id' => $id ), array( '%d', '%d' ), array( '%d' ) );
	}

	/**
	 * Record that the user has read a thread up to a message.
	 *
	 * @param int    $user_id User.
	 * @param string $thread  Thread key.
	 * @param int    $last_id Last message seen.
	 */
	public static function mark_read( $user_id, $thread, $last_id ) {
		global $wpdb;
		$table = Label_Art_Schema::table( 'reads' );
		// GREATEST keeps an older page load from moving the marker backwards.
		$wpdb->query( $wpdb->prepare( "INSERT INTO {$table} (user_id, thread, last_read_id) VALUES (%d, %s, %d) ON DUPLICATE KEY UPDATE last_read_id = GREATEST(last_read_id, VALUES(last_read_id))", $user_id, $thread, $last_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Unread messages per thread the user can read: their projects' team threads and their DMs.
	 *
	 * @param int $user_id User.
	 * @return array<string,int> Thread key → count (only threads with unread messages).
	 */
	public static function unread( $user_id ) {
		global $wpdb;
		$threads = array();
		foreach ( Label_Art_Members::of_user( $user_id ) as $row ) {
			$threads[] = self::team_thread( (int) $row->project_id );
		}
		$messages = Label_Art_Schema::table( 'messages' );
		$reads = Label_Art_Schema::table( 'reads' );
		$dm_threads = $wpdb->get_col( $wpdb->prepare( "SELECT DISTINCT thread FROM {$messages} WHERE thread LIKE %s AND (sender_id = %d OR recipient_id = %d)", $wpdb->esc_like( 'd:' ) . '%', $user_id, $user_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$threads = array_values( array_unique( array_merge( $threads, $dm_threads ) ) );
		if ( ! $threads ) {
			return array();
		}
		$in = implode( ', ', array_fill( 0, count( $threads ), '%s' ) );
		$sql = "SELECT m.thread, COUNT(*) AS n FROM {$messages} m LEFT JOIN {$reads} r ON r.thread = m.thread AND r.user_id = %d WHERE m.thread IN ({$in}) AND m.hidden = 0 AND m.sender_id <> %d AND m.id > COALESCE(r.last_read_id, 0) GROUP BY m.thread";
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, array_merge( array( $user_id ), $threads, array( $user_id ) ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL
		$out = array();
		foreach ( $rows as $row ) {
			$out[ $row->thread ] = (int) $row->n;
		}
		return $out;
	}

	/**
	 * A message as the REST API and templates show it. `body` is plain text for the client to
	 * put in a text node; `body_html` is already escaped.
	 *
	 * @param object $row Message row.
	 * @return array
	 */
	public static function to_array( $row ) {
		$author = get_userdata( (int) $row->sender_id );
		return array(
			'id'         => (int) $row->id,
			'author'     => $author ? $author->display_name : __( 'Deleted user', 'label-art' ),
			'author_id'  => (int) $row->sender_id,
			'body'       => $row->body,
			'body_html'  => nl2br( esc_html( $row->body ) ),
			'pinned'     => (bool) $row->pinned,
			'hidden'     => (bool) $row->hidden,
			'created_at' => mysql_to_rfc3339( $row->created_at ),
		);
	}
}
