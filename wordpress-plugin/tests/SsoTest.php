<?php
/** Signing and verification of SSO tokens (Label_Art_Token) and the claims Label_Art_Sso puts in them. */
defined( 'ABSPATH' ) || exit; // Loaded by PHPUnit after bootstrap.php, never over HTTP.

class SsoTest extends Label_Art_TestCase {

	const SECRET = 'phpunit-secret-0123456789abcdef0123456789abcdef';

	private function payload( $overrides = array() ) {
		$now = time();
		return array_merge( array( 'aud' => Label_Art_Sso::AUD, 'sub' => 7, 'iat' => $now, 'exp' => $now + Label_Art_Sso::TTL, 'nonce' => str_repeat( 'a', 32 ) ), $overrides );
	}

	public function test_round_trip() {
		$token = Label_Art_Token::sign( $this->payload(), self::SECRET );
		$this->assertMatchesRegularExpression( '/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/', $token );
		$got = Label_Art_Token::verify( $token, self::SECRET, Label_Art_Sso::AUD );
		$this->assertIsArray( $got );
		$this->assertSame( 7, $got['sub'] );
	}

	public function test_wrong_secret_tampering_and_audience_are_refused() {
		$token = Label_Art_Token::sign( $this->payload(), self::SECRET );
		$this->assertWPError( Label_Art_Token::verify( $token, 'another-secret', Label_Art_Sso::AUD ) );
		$this->assertWPError( Label_Art_Token::verify( $token, '', Label_Art_Sso::AUD ) );
		$this->assertWPError( Label_Art_Token::verify( $token, self::SECRET, 'label-art-messages' ) );
		list( , $mac ) = explode( '.', $token );
		$forged = Label_Art_Token::b64( wp_json_encode( $this->payload( array( 'sub' => 1 ) ) ) ) . '.' . $mac;
		$this->assertWPError( Label_Art_Token::verify( $forged, self::SECRET, Label_Art_Sso::AUD ) );
		foreach ( array( 'garbage', 'a.b.c', '', str_repeat( 'x', 5000 ) . '.y' ) as $bad ) {
			$this->assertWPError( Label_Art_Token::verify( $bad, self::SECRET, Label_Art_Sso::AUD ) );
		}
	}

	public function test_expired_future_and_overlong_tokens_are_refused() {
		$old = time() - 600;
		$this->assertWPError( Label_Art_Token::verify( Label_Art_Token::sign( $this->payload( array( 'iat' => $old, 'exp' => $old + 60 ) ), self::SECRET ), self::SECRET, Label_Art_Sso::AUD ) );
		$future = time() + 600;
		$this->assertWPError( Label_Art_Token::verify( Label_Art_Token::sign( $this->payload( array( 'iat' => $future, 'exp' => $future + 60 ) ), self::SECRET ), self::SECRET, Label_Art_Sso::AUD ) );
		$this->assertWPError( Label_Art_Token::verify( Label_Art_Token::sign( $this->payload( array( 'exp' => time() + Label_Art_Token::MAX_LIFETIME + 60 ) ), self::SECRET ), self::SECRET, Label_Art_Sso::AUD ) );
		$this->assertWPError( Label_Art_Token::verify( Label_Art_Token::sign( $this->payload( array( 'exp' => (string) ( time() + 30 ) ) ), self::SECRET ), self::SECRET, Label_Art_Sso::AUD ) );
	}

	public function test_claims_carry_the_user_and_only_their_projects() {
		$user    = $this->make_user( 'labelart_contributor' );
		$mine    = $this->make_project( 90001 );
		$other   = $this->make_project( 90002 );
		$row     = Label_Art_Members::request( $mine, $user, 'please' );
		Label_Art_Members::decide( $row->id, 'approved', 1, 'reviewer' );
		Label_Art_Members::request( $other, $user, 'still pending' );
		$claims = Label_Art_Sso::claims( $user, 90001 );
		$this->assertSame( Label_Art_Sso::AUD, $claims['aud'] );
		$this->assertSame( $user, $claims['sub'] );
		$this->assertSame( 90001, $claims['project'] );
		$this->assertSame( array( array( 'id' => 90001, 'role' => 'reviewer' ) ), $claims['projects'] );
		$this->assertSame( Label_Art_Sso::TTL, $claims['exp'] - $claims['iat'] );
		$this->assertSame( 32, strlen( $claims['nonce'] ) );
		$this->assertNotSame( $claims['nonce'], Label_Art_Sso::claims( $user, 90001 )['nonce'] );
		// A signed claim set verifies with the site's own secret.
		$secret = (string) get_option( 'label_art_sso_secret' );
		$this->assertGreaterThanOrEqual( 60, strlen( $secret ) );
		$this->assertIsArray( Label_Art_Token::verify( Label_Art_Token::sign( $claims, $secret ), $secret, Label_Art_Sso::AUD ) );
	}

	private function assertWPError( $value ) {
		$this->assertInstanceOf( WP_Error::class, $value );
		$this->assertSame( 'label_art_bad_token', $value->get_error_code() );
	}
}
