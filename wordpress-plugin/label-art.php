<?php
/**
 * Plugin Name:       Label.Art
 * Plugin URI:        https://label.art/
 * Description:       The community side of Label.Art: artist accounts and profiles, labeling project pages, joining, team messaging, moderators and single sign-on into the labeling service.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.2
 * License:           GPL-2.0-or-later
 * Text Domain:       label-art
 * Domain Path:       /languages
 *
 * This file only defines constants, registers activation/deactivation and starts the loader.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

define( 'LABEL_ART_VERSION', '0.1.0' );
define( 'LABEL_ART_FILE', __FILE__ );
define( 'LABEL_ART_DIR', plugin_dir_path( __FILE__ ) );
define( 'LABEL_ART_URL', plugin_dir_url( __FILE__ ) );

require_once LABEL_ART_DIR . 'includes/class-label-art-loader.php';

register_activation_hook( __FILE__, array( 'Label_Art_Activator', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Label_Art_Activator', 'deactivate' ) );

Label_Art_Loader::instance()->run();
