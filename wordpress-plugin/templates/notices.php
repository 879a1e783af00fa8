<?php
/**
 * The current user's notices.
 *
 * @package Label_Art
 * @var array $notices Rows from Label_Art_Notices::for_user().
 */

defined( 'ABSPATH' ) || exit;
?>
<ul class="label-art-notices">
	<?php foreach ( $notices as $label_art_n ) : ?>
		<li class="<?php echo $label_art_n->is_read ? '' : 'is-unread'; ?>">
			<?php if ( $label_art_n->link ) : ?>
				<a href="<?php echo esc_url( $label_art_n->link ); ?>"><?php echo esc_html( $label_art_n->message ); ?></a>
			<?php else : ?>
				<?php echo esc_html( $label_art_n->message ); ?>
			<?php endif; ?>
		</li>
	<?php endforeach; ?>
	<?php if ( ! $notices ) : ?>
		<li><?php esc_html_e( 'No notices.', 'label-art' ); ?></li>
	<?php endif; ?>
</ul>
