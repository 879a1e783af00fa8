<?php
/**
 * The artist profile form ([label_art_profile]).
 *
 * @package Label_Art
 * @var array $profile Current values.
 * @var array $labels  Field labels.
 */

defined( 'ABSPATH' ) || exit;
?>
<form class="label-art-profile" method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
	<?php wp_nonce_field( 'label_art_profile' ); ?>
	<input type="hidden" name="action" value="label_art_profile">
	<input type="hidden" name="redirect" value="<?php echo esc_url( get_permalink() ); ?>">
	<?php foreach ( $labels as $label_art_key => $label_art_label ) : ?>
		<p><label for="label-art-<?php echo esc_attr( $label_art_key ); ?>"><?php echo esc_html( $label_art_label ); ?></label>
		<input id="label-art-<?php echo esc_attr( $label_art_key ); ?>" name="<?php echo esc_attr( $label_art_key ); ?>" value="<?php echo esc_attr( implode( ', ', $profile[ $label_art_key ] ) ); ?>" placeholder="<?php esc_attr_e( 'comma-separated', 'label-art' ); ?>"></p>
	<?php endforeach; ?>
	<p><label for="label-art-bio"><?php esc_html_e( 'Short bio', 'label-art' ); ?></label>
	<textarea id="label-art-bio" name="bio" maxlength="2000" rows="4"><?php echo esc_textarea( $profile['bio'] ); ?></textarea></p>
	<button type="submit"><?php esc_html_e( 'Save profile', 'label-art' ); ?></button>
</form>
