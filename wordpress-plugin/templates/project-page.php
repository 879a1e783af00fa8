<?php
/**
 * Project page body, appended to the post content. Every value is escaped here (escape late).
 *
 * @package Label_Art
 * @var array $view Prepared by Label_Art_Public::project_content().
 */

defined( 'ABSPATH' ) || exit;

$label_art_total = $view['stats']['total_tasks'];
$label_art_done = $view['stats']['labeled_tasks'];
$label_art_pct = $label_art_total ? (int) floor( 100 * $label_art_done / $label_art_total ) : 0;
?>
<section class="label-art-project" data-project="<?php echo esc_attr( $view['page'] ); ?>">
	<?php if ( '' !== $view['guidelines'] ) : ?>
		<h2><?php esc_html_e( 'Guidelines', 'label-art' ); ?></h2>
		<div class="label-art-guidelines"><?php echo wp_kses_post( wpautop( $view['guidelines'] ) ); ?></div>
	<?php endif; ?>

	<h2><?php esc_html_e( 'Progress', 'label-art' ); ?></h2>
	<div class="label-art-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="<?php echo esc_attr( $label_art_pct ); ?>">
		<span style="width: <?php echo esc_attr( $label_art_pct ); ?>%"></span>
	</div>
	<p class="label-art-progress-text">
		<?php
		/* translators: 1: labeled tasks, 2: all tasks, 3: percent */
		echo esc_html( sprintf( __( '%1$d of %2$d tasks labeled (%3$d%%)', 'label-art' ), $label_art_done, $label_art_total, $label_art_pct ) );
		?>
	</p>

	<?php if ( $view['stats']['contributors'] ) : ?>
		<h2><?php esc_html_e( 'Top contributors', 'label-art' ); ?></h2>
		<ol class="label-art-top">
			<?php foreach ( $view['stats']['contributors'] as $label_art_c ) : ?>
				<?php $label_art_u = get_userdata( (int) $label_art_c['wp_user_id'] ); ?>
				<li><?php echo esc_html( $label_art_u ? $label_art_u->display_name : $label_art_c['display_name'] ); ?> — <?php echo esc_html( sprintf( /* translators: %d: count */ _n( '%d annotation', '%d annotations', (int) $label_art_c['annotations'], 'label-art' ), (int) $label_art_c['annotations'] ) ); ?></li>
			<?php endforeach; ?>
		</ol>
	<?php endif; ?>

	<h2><?php esc_html_e( 'Team', 'label-art' ); ?></h2>
	<ul class="label-art-team">
		<?php foreach ( $view['team'] as $label_art_m ) : ?>
			<?php $label_art_u = get_userdata( (int) $label_art_m->user_id ); ?>
			<?php if ( $label_art_u ) : ?>
				<li><?php echo esc_html( $label_art_u->display_name ); ?> <span class="label-art-role"><?php echo esc_html( $label_art_m->role ); ?></span></li>
			<?php endif; ?>
		<?php endforeach; ?>
	</ul>

	<div class="label-art-actions">
	<?php if ( $view['can_access'] ) : ?>
		<a class="label-art-button" href="<?php echo esc_url( Label_Art_Sso::link( $view['page'] ) ); ?>"><?php esc_html_e( 'Start labeling', 'label-art' ); ?></a>
	<?php elseif ( $view['membership'] && 'pending' === $view['membership']->status ) : ?>
		<p class="label-art-pending"><?php esc_html_e( 'Your request to join is waiting for a moderator.', 'label-art' ); ?></p>
	<?php elseif ( $view['can_join'] && ! ( $view['membership'] && 'suspended' === $view['membership']->status ) ) : ?>
		<form class="label-art-join" method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
			<?php wp_nonce_field( 'label_art_join_' . $view['page'] ); ?>
			<input type="hidden" name="action" value="label_art_join">
			<input type="hidden" name="project" value="<?php echo esc_attr( $view['page'] ); ?>">
			<label for="label-art-motivation"><?php esc_html_e( 'Why would you like to join? (optional)', 'label-art' ); ?></label>
			<textarea id="label-art-motivation" name="motivation" maxlength="1000" rows="3"></textarea>
			<button type="submit" class="label-art-button"><?php esc_html_e( 'Join this project', 'label-art' ); ?></button>
		</form>
	<?php elseif ( ! is_user_logged_in() ) : ?>
		<a class="label-art-button" href="<?php echo esc_url( wp_login_url( get_permalink( $view['page'] ) ) ); ?>"><?php esc_html_e( 'Log in to join this project', 'label-art' ); ?></a>
	<?php endif; ?>
	</div>

	<?php if ( $view['can_access'] ) : ?>
		<?php include LABEL_ART_DIR . 'templates/messages-panel.php'; ?>
	<?php endif; ?>
</section>
