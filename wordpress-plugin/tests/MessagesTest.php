<?php
/** The messages model (stored through $wpdb->insert / $wpdb->prepare) and @mention parsing. */
defined( 'ABSPATH' ) || exit; // Loaded by PHPUnit after bootstrap.php, never over HTTP.

class MessagesTest extends Label_Art_TestCase {

	private function member( $project ) {
		$user = $this->make_user( 'labelart_contributor' );
		$row  = Label_Art_Members::request( $project, $user, 'team' );
		Label_Art_Members::decide( $row->id, 'approved', 1 );
		return $user;
	}

	public function test_thread_keys() {
		$this->assertSame( 'p:12', Label_Art_Messages::team_thread( '12' ) );
		$this->assertSame( 'd:3-9', Label_Art_Messages::dm_thread( 9, 3 ) );
		$this->assertSame( Label_Art_Messages::dm_thread( 3, 9 ), Label_Art_Messages::dm_thread( 9, 3 ) );
	}

	public function test_post_and_read_a_thread_with_hostile_text() {
		$project = $this->make_project();
		$author  = $this->member( $project );
		$hostile = "Robert'); DROP TABLE wp_users; -- %s %d \\' <script>x</script>";
		$id      = Label_Art_Messages::post_team( $project, $author, $hostile );
		$this->assertGreaterThan( 0, $id );
		$pinned = Label_Art_Messages::post_team( $project, $author, 'Read me first', true );
		$rows   = Label_Art_Messages::thread( Label_Art_Messages::team_thread( $project ) );
		$this->assertSame( array( $pinned, $id ), array_map( fn( $r ) => (int) $r->id, $rows ), 'pinned first' );
		$this->assertSame( $hostile, $rows[1]->body, 'stored verbatim, no SQL effect' );
		$this->assertNotNull( get_user_by( 'login', 'admin' ) );
		$this->assertSame( $hostile, Label_Art_Messages::find( $id )->body );
		// Hidden messages are left out unless asked for.
		Label_Art_Messages::set_hidden( $id, 1 );
		$this->assertCount( 1, Label_Art_Messages::thread( Label_Art_Messages::team_thread( $project ) ) );
		$this->assertCount( 2, Label_Art_Messages::thread( Label_Art_Messages::team_thread( $project ), true ) );
	}

	public function test_bodies_are_validated() {
		$project = $this->make_project();
		$author  = $this->member( $project );
		foreach ( array( '', '   ', str_repeat( 'x', Label_Art_Messages::MAX_BODY + 1 ) ) as $bad ) {
			$result = Label_Art_Messages::post_team( $project, $author, $bad );
			$this->assertInstanceOf( WP_Error::class, $result );
			$this->assertSame( 'label_art_bad_body', $result->get_error_code() );
		}
		$this->assertIsInt( Label_Art_Messages::post_team( $project, $author, str_repeat( 'é', Label_Art_Messages::MAX_BODY ) ) );
	}

	public function test_mentions_notify_team_members_only() {
		$project  = $this->make_project();
		$author   = $this->member( $project );
		$mate     = $this->member( $project );
		$outsider = $this->make_user( 'labelart_contributor' );
		$mate_login     = get_userdata( $mate )->user_login;
		$outsider_login = get_userdata( $outsider )->user_login;
		$author_login   = get_userdata( $author )->user_login;
		$body = "Hey @{$mate_login}, and @{$mate_login} again. Not @{$outsider_login}, not me @{$author_login}, not mail@{$mate_login} nor @nobody_here_xyz.";
		$mails = array();
		$record = static function ( $null, $atts ) use ( &$mails ) {
			$mails[] = $atts;
			return true;
		};
		add_filter( 'pre_wp_mail', $record, 5, 2 );
		try {
			Label_Art_Messages::post_team( $project, $author, $body );
		} finally {
			remove_filter( 'pre_wp_mail', $record, 5 );
		}
		$this->assertSame( 1, Label_Art_Notices::unread_count( $mate ), 'one notice despite two mentions' );
		$this->assertSame( 0, Label_Art_Notices::unread_count( $outsider ), 'no leak outside the team' );
		$this->assertSame( 0, Label_Art_Notices::unread_count( $author ) );
		$this->assertCount( 1, $mails );
		$this->assertSame( get_userdata( $mate )->user_email, $mails[0]['to'] );
		$this->assertStringContainsString( 'You were mentioned in', $mails[0]['subject'] );
	}

	public function test_unread_counts_and_mark_read() {
		$project = $this->make_project();
		$author  = $this->member( $project );
		$reader  = $this->member( $project );
		Label_Art_Messages::post_team( $project, $author, 'one' );
		$last = Label_Art_Messages::post_team( $project, $author, 'two' );
		$thread = Label_Art_Messages::team_thread( $project );
		$this->assertSame( 2, Label_Art_Messages::unread( $reader )[ $thread ] ?? null );
		Label_Art_Messages::mark_read( $reader, $thread, $last );
		$this->assertArrayNotHasKey( $thread, Label_Art_Messages::unread( $reader ) );
	}
}
