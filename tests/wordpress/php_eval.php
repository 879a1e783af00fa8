<?php
/**
 * Runs a PHP snippet inside the test site (for assertions on options, tables and roles, and for
 * uninstall). Usage: php php_eval.php SITE_DIR URL 'snippet that echoes JSON'
 */
list( , $site, $url, $code ) = $argv;
$_SERVER['HTTP_HOST'] = parse_url( $url, PHP_URL_HOST ) . ':' . parse_url( $url, PHP_URL_PORT );
$_SERVER['REQUEST_URI'] = '/';
require $site . '/wp-load.php';
eval( $code ); // phpcs:ignore Squiz.PHP.Eval -- test harness only, code comes from the test file.
