<?php
/**
 * Settings screen. The shared secret and the service key are never printed: only whether they
 * are set and, for the secret, a fingerprint to compare with `labelart sso-secret | sha256sum`.
 *
 * @package Label_Art
 * @var string $secret The secret in force (used for the fingerprint only).
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap">
	<h1><?php esc_html_e( 'Label.Art settings', 'label-art' ); ?></h1>
	<?php if ( isset( $_GET['saved'] ) ) : // phpcs:ignore WordPress.Security.NonceVerification ?>
		<div class="notice notice-success"><p><?php esc_html_e( 'Settings saved.', 'label-art' ); ?></p></div>
	<?php endif; ?>
	<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
		<?php wp_nonce_field( 'label_art_settings' ); ?>
		<input type="hidden" name="action" value="label_art_settings">
		<table class="form-table" role="presentation">
			<tr><th><label for="service_url"><?php esc_html_e( 'Labeling service URL', 'label-art' ); ?></label></th>
				<td><input id="service_url" name="service_url" type="url" class="regular-text" value="<?php echo esc_attr( Label_Art_Settings::get( 'service_url' ) ); ?>" <?php disabled( Label_Art_Settings::is_constant( 'service_url' ) ); ?>></td></tr>
			<tr><th><label for="service_key"><?php esc_html_e( 'Service API key', 'label-art' ); ?></label></th>
				<td><input id="service_key" name="service_key" type="password" class="regular-text" autocomplete="off" value="" <?php disabled( Label_Art_Settings::is_constant( 'service_key' ) ); ?>>
				<p class="description"><?php echo '' !== Label_Art_Settings::get( 'service_key' ) ? esc_html__( 'A key is set. Leave empty to keep it.', 'label-art' ) : esc_html__( 'No key yet: create a token for a service administrator and paste it here.', 'label-art' ); ?></p></td></tr>
			<tr><th><label for="sso_secret"><?php esc_html_e( 'Single sign-on shared secret', 'label-art' ); ?></label></th>
				<td><input id="sso_secret" name="sso_secret" type="password" class="regular-text" autocomplete="off" value="" <?php disabled( Label_Art_Settings::is_constant( 'sso_secret' ) ); ?>>
				<p class="description">
				<?php
				echo esc_html(
					sprintf(
						/* translators: %s: fingerprint */
						__( 'A secret is set (fingerprint %s). Paste the output of `labelart sso-secret` to replace it, or define LABEL_ART_SSO_SECRET in wp-config.php.', 'label-art' ),
						Label_Art_Settings::fingerprint( $secret )
					)
				);
				?>
				</p></td></tr>
			<tr><th><?php esc_html_e( 'New accounts', 'label-art' ); ?></th>
				<td><label><input type="checkbox" name="require_approval" value="1" <?php checked( '1', Label_Art_Settings::get( 'require_approval' ) ); ?>> <?php esc_html_e( 'A moderator approves each new account', 'label-art' ); ?></label></td></tr>
		</table>
		<?php submit_button(); ?>
	</form>
</div>
