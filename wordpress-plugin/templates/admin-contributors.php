<?php
/**
 * Contributors screen.
 *
 * @package Label_Art
 * @var int       $page     Selected project page, or 0.
 * @var WP_Post[] $projects Projects to pick from.
 * @var object[]  $members  Membership rows of $page.
 * @var array     $stats    wp_user_id → service figures.
 */

defined( 'ABSPATH' ) || exit;
?>
<div class="wrap">
	<h1><?php esc_html_e( 'Contributors', 'label-art' ); ?></h1>
	<form method="get"><input type="hidden" name="page" value="label-art-contributors">
		<select name="project">
			<?php foreach ( $projects as $label_art_p ) : ?>
				<option value="<?php echo esc_attr( $label_art_p->ID ); ?>" <?php selected( $page, $label_art_p->ID ); ?>><?php echo esc_html( get_the_title( $label_art_p ) ); ?></option>
			<?php endforeach; ?>
		</select>
		<?php submit_button( __( 'Show', 'label-art' ), 'secondary', '', false ); ?>
	</form>
	<?php if ( $page ) : ?>
	<table class="widefat striped label-art-contributors">
		<thead><tr>
			<th><?php esc_html_e( 'Member', 'label-art' ); ?></th><th><?php esc_html_e( 'Status', 'label-art' ); ?></th><th><?php esc_html_e( 'Role', 'label-art' ); ?></th>
			<th><?php esc_html_e( 'Annotations', 'label-art' ); ?></th><th><?php esc_html_e( 'Skips', 'label-art' ); ?></th><th><?php esc_html_e( 'Accepted / rejected', 'label-art' ); ?></th><th><?php esc_html_e( 'Agreement', 'label-art' ); ?></th><th></th>
		</tr></thead>
		<tbody>
		<?php foreach ( $members as $label_art_m ) : ?>
			<?php
			$label_art_u = get_userdata( (int) $label_art_m->user_id );
			$label_art_s = $stats[ (int) $label_art_m->user_id ] ?? array();
			?>
			<tr>
				<td><?php echo esc_html( $label_art_u ? $label_art_u->display_name : '?' ); ?></td>
				<td><?php echo esc_html( $label_art_m->status ); ?></td>
				<td><?php echo esc_html( $label_art_m->role ); ?></td>
				<td><?php echo esc_html( (string) ( $label_art_s['annotations'] ?? 0 ) ); ?></td>
				<td><?php echo esc_html( (string) ( $label_art_s['skips'] ?? 0 ) ); ?></td>
				<td><?php echo esc_html( ( $label_art_s['accepted'] ?? 0 ) . ' / ' . ( $label_art_s['rejected'] ?? 0 ) ); ?></td>
				<td><?php echo esc_html( isset( $label_art_s['agreement'] ) ? round( 100 * (float) $label_art_s['agreement'] ) . '%' : '—' ); ?></td>
				<td>
					<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
						<?php wp_nonce_field( 'label_art_member_' . $label_art_m->id ); ?>
						<input type="hidden" name="action" value="label_art_member">
						<input type="hidden" name="member" value="<?php echo esc_attr( $label_art_m->id ); ?>">
						<select name="role">
							<?php foreach ( Label_Art_Members::ROLES as $label_art_r ) : ?>
								<option value="<?php echo esc_attr( $label_art_r ); ?>" <?php selected( $label_art_m->role, $label_art_r ); ?>><?php echo esc_html( $label_art_r ); ?></option>
							<?php endforeach; ?>
						</select>
						<button class="button button-small" name="op" value="role"><?php esc_html_e( 'Set role', 'label-art' ); ?></button>
						<?php if ( 'suspended' === $label_art_m->status ) : ?>
							<button class="button button-small" name="op" value="approve"><?php esc_html_e( 'Reinstate', 'label-art' ); ?></button>
						<?php else : ?>
							<button class="button button-small" name="op" value="suspend"><?php esc_html_e( 'Suspend', 'label-art' ); ?></button>
						<?php endif; ?>
						<button class="button button-small button-link-delete" name="op" value="remove"><?php esc_html_e( 'Remove', 'label-art' ); ?></button>
					</form>
				</td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>
	<?php endif; ?>
</div>
