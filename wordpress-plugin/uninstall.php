<?php
/**
 * Uninstall: removes the plugin's options, roles, tables and user meta.
 * Project pages (posts) stay: they are content the site's editors wrote.
 *
 * @package Label_Art
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-label-art-roles.php';
require_once __DIR__ . '/includes/class-label-art-schema.php';

foreach ( array( 'label_art_service_url', 'label_art_service_key', 'label_art_sso_secret', 'label_art_require_approval' ) as $label_art_option ) {
	delete_option( $label_art_option );
}
Label_Art_Roles::remove();
Label_Art_Schema::drop();
foreach ( array( 'label_art_account_status', 'label_art_profile' ) as $label_art_meta ) {
	delete_metadata( 'user', 0, $label_art_meta, '', true );
}
