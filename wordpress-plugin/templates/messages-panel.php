<?php
/**
 * The team thread on a project page. Rendered server-side (works without JavaScript for reading);
 * label-art-messages.js posts through the REST API with the wp_rest nonce.
 *
 * @package Label_Art
 * @var array $view Prepared by Label_Art_Public::project_content().
 */

defined( 'ABSPATH' ) || exit;
?>
<section class="label-art-messages" id="label-art-messages" data-project="<?php echo esc_attr( $view['page'] ); ?>">
	<h2><?php esc_html_e( 'Team messages', 'label-art' ); ?></h2>
	<ol class="label-art-thread">
		<?php foreach ( $view['messages'] as $label_art_row ) : ?>
			<?php $label_art_msg = Label_Art_Messages::to_array( $label_art_row ); ?>
			<li class="label-art-message<?php echo $label_art_msg['pinned'] ? ' is-pinned' : ''; ?><?php echo $label_art_msg['hidden'] ? ' is-hidden' : ''; ?>" data-id="<?php echo esc_attr( $label_art_msg['id'] ); ?>">
				<span class="label-art-author"><?php echo esc_html( $label_art_msg['author'] ); ?></span>
				<time datetime="<?php echo esc_attr( $label_art_msg['created_at'] ); ?>"><?php echo esc_html( get_date_from_gmt( $label_art_row->created_at, get_option( 'date_format' ) . ' ' . get_option( 'time_format' ) ) ); ?></time>
				<?php if ( $label_art_msg['pinned'] ) : ?><span class="label-art-pin"><?php esc_html_e( 'Announcement', 'label-art' ); ?></span><?php endif; ?>
				<div class="label-art-body"><?php echo nl2br( esc_html( $label_art_msg['body'] ) ); ?></div>
			</li>
		<?php endforeach; ?>
	</ol>
	<form class="label-art-post">
		<label for="label-art-new"><?php esc_html_e( 'Write to the team (use @name to mention)', 'label-art' ); ?></label>
		<textarea id="label-art-new" name="body" maxlength="5000" rows="3" required></textarea>
		<?php if ( $view['moderator'] ) : ?>
			<label><input type="checkbox" name="pinned" value="1"> <?php esc_html_e( 'Pin as announcement', 'label-art' ); ?></label>
		<?php endif; ?>
		<button type="submit" class="label-art-button"><?php esc_html_e( 'Send', 'label-art' ); ?></button>
	</form>
</section>
