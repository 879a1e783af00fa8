<?php
/**
 * Roles and capabilities added on activation and removed on uninstall.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's roles: moderators run teams, contributors label, the service account calls XML-RPC.
 */
final class Label_Art_Roles {

	/** Ask to join projects, write in team threads and DMs, use single sign-on. */
	const CAP_JOIN = 'labelart_join';
	/** Approve requests and accounts, change roles, hide messages, pin announcements. */
	const CAP_MODERATE = 'labelart_moderate';
	/** Call the XML-RPC methods (the labeling service's own account). */
	const CAP_SERVICE = 'labelart_service';
	/** Change the plugin's settings (service URL, keys, shared secret). */
	const CAP_SETTINGS = 'labelart_manage_settings';

	/** Capabilities of the project page post type (capability_type labelart_project). */
	const PROJECT_CAPS = array(
		'edit_labelart_projects', 'edit_others_labelart_projects', 'publish_labelart_projects',
		'read_private_labelart_projects', 'delete_labelart_projects', 'delete_others_labelart_projects',
		'delete_published_labelart_projects', 'edit_published_labelart_projects',
		'delete_private_labelart_projects', 'edit_private_labelart_projects',
	);

	/** The roles this plugin owns. */
	const ROLES = array( 'labelart_moderator', 'labelart_contributor', 'labelart_service' );

	/** Add roles and give administrators every capability (add_role persists in the database). */
	public static function add() {
		$moderator = array_fill_keys( array_merge( array( 'read', 'upload_files', self::CAP_JOIN, self::CAP_MODERATE ), self::PROJECT_CAPS ), true );
		add_role( 'labelart_moderator', __( 'Label.Art moderator', 'label-art' ), $moderator );
		add_role( 'labelart_contributor', __( 'Label.Art contributor', 'label-art' ), array( 'read' => true, self::CAP_JOIN => true ) );
		add_role( 'labelart_service', __( 'Label.Art service account', 'label-art' ), array( 'read' => true, self::CAP_SERVICE => true ) );
		$admin = get_role( 'administrator' );
		if ( $admin ) {
			foreach ( array_merge( array( self::CAP_JOIN, self::CAP_MODERATE, self::CAP_SETTINGS ), self::PROJECT_CAPS ) as $cap ) {
				$admin->add_cap( $cap );
			}
		}
	}

	/** Remove the roles and the capabilities given to administrators. */
	public static function remove() {
		foreach ( self::ROLES as $role ) {
			remove_role( $role );
		}
		$admin = get_role( 'administrator' );
		if ( $admin ) {
			foreach ( array_merge( array( self::CAP_JOIN, self::CAP_MODERATE, self::CAP_SETTINGS, self::CAP_SERVICE ), self::PROJECT_CAPS ) as $cap ) {
				$admin->remove_cap( $cap );
			}
		}
	}
}
