<?php
/**
 * Runs a PHP snippet inside the deployed community site (Debian's WordPress, configured by
 * /etc/wordpress/config-labelart.php). Usage: php wp_eval.php HOST:PORT 'snippet that echoes JSON'
 */
list( , $host, $code ) = $argv;
$_SERVER['WORDPRESS_CONFIG'] = 'labelart';
$_SERVER['HTTP_HOST'] = $host;
$_SERVER['REQUEST_URI'] = '/';
require '/usr/share/wordpress/wp-load.php';
eval( $code ); // phpcs:ignore Squiz.PHP.Eval -- test harness only, code comes from the test file.
