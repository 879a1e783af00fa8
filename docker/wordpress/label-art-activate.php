<?php
/**
 * Must-use plugin for the container image: activates the Label.Art plugin once WordPress is
 * installed (its activation creates the roles and tables), since the image has no wp-cli.
 *
 * @package Label_Art
 */

add_action(
	'init',
	static function () {
		if ( wp_installing() || ! is_blog_installed() ) {
			return;
		}
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		if ( ! is_plugin_active( 'label-art/label-art.php' ) ) {
			activate_plugin( 'label-art/label-art.php' );
		}
	}
);
