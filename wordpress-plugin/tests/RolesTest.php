<?php
/** Capabilities of the plugin's roles, checked with user_can(). */
defined( 'ABSPATH' ) || exit; // Loaded by PHPUnit after bootstrap.php, never over HTTP.

class RolesTest extends Label_Art_TestCase {

	public function test_roles_exist() {
		foreach ( Label_Art_Roles::ROLES as $role ) {
			$this->assertNotNull( get_role( $role ), $role );
		}
	}

	public function test_capabilities_per_role() {
		$mod     = $this->make_user( 'labelart_moderator' );
		$member  = $this->make_user( 'labelart_contributor' );
		$service = $this->make_user( 'labelart_service' );
		$admin   = (int) get_user_by( 'login', 'admin' )->ID;

		$this->assertTrue( user_can( $mod, Label_Art_Roles::CAP_MODERATE ) );
		$this->assertTrue( user_can( $mod, Label_Art_Roles::CAP_JOIN ) );
		$this->assertFalse( user_can( $mod, Label_Art_Roles::CAP_SETTINGS ) );
		$this->assertFalse( user_can( $mod, 'manage_options' ) );
		foreach ( Label_Art_Roles::PROJECT_CAPS as $cap ) {
			$this->assertTrue( user_can( $mod, $cap ), $cap );
			$this->assertFalse( user_can( $member, $cap ), $cap );
		}

		$this->assertTrue( user_can( $member, Label_Art_Roles::CAP_JOIN ) );
		$this->assertFalse( user_can( $member, Label_Art_Roles::CAP_MODERATE ) );
		$this->assertFalse( user_can( $member, Label_Art_Roles::CAP_SERVICE ) );
		$this->assertFalse( user_can( $member, 'edit_posts' ) );

		$this->assertTrue( user_can( $service, Label_Art_Roles::CAP_SERVICE ) );
		$this->assertFalse( user_can( $service, Label_Art_Roles::CAP_MODERATE ) );
		$this->assertFalse( user_can( $service, Label_Art_Roles::CAP_JOIN ) );

		foreach ( array( Label_Art_Roles::CAP_JOIN, Label_Art_Roles::CAP_MODERATE, Label_Art_Roles::CAP_SETTINGS ) as $cap ) {
			$this->assertTrue( user_can( $admin, $cap ), $cap );
		}
	}

	public function test_access_to_a_project_follows_membership() {
		$mod     = $this->make_user( 'labelart_moderator' );
		$member  = $this->make_user( 'labelart_contributor' );
		$project = $this->make_project();
		$this->assertTrue( Label_Art_Members::can_access( $project, $mod ) );
		$this->assertFalse( Label_Art_Members::can_access( $project, $member ) );
		$row = Label_Art_Members::request( $project, $member, 'hi' );
		$this->assertFalse( Label_Art_Members::can_access( $project, $member ), 'pending is not access' );
		Label_Art_Members::decide( $row->id, 'approved', $mod );
		$this->assertTrue( Label_Art_Members::can_access( $project, $member ) );
		Label_Art_Members::decide( $row->id, 'suspended', $mod );
		$this->assertFalse( Label_Art_Members::can_access( $project, $member ) );
		$this->assertFalse( Label_Art_Members::decide( $row->id, 'owner', $mod ), 'unknown status refused' );
	}
}
