<?php
/**
 * The pending join requests list with bulk approve/decline.
 *
 * @package Label_Art
 */

defined( 'ABSPATH' ) || exit;

/**
 * WP_List_Table over pending membership rows. The table's nonce is `bulk-requests`.
 */
class Label_Art_Requests_Table extends WP_List_Table {

	/** Set up plural/singular names (they name the bulk nonce). */
	public function __construct() {
		parent::__construct( array( 'singular' => 'request', 'plural' => 'requests', 'ajax' => false ) );
	}

	/** @return array */
	public function get_columns() {
		return array(
			'cb'         => '<input type="checkbox">',
			'applicant'  => __( 'Applicant', 'label-art' ),
			'project'    => __( 'Project', 'label-art' ),
			'motivation' => __( 'Motivation', 'label-art' ),
			'profile'    => __( 'Profile', 'label-art' ),
			'created_at' => __( 'Asked', 'label-art' ),
		);
	}

	/** @return array */
	protected function get_bulk_actions() {
		return array( 'approve' => __( 'Approve', 'label-art' ), 'decline' => __( 'Decline', 'label-art' ) );
	}

	/** Load rows. */
	public function prepare_items() {
		$this->_column_headers = array( $this->get_columns(), array(), array() );
		$this->items = Label_Art_Members::pending();
	}

	/**
	 * Checkbox.
	 *
	 * @param object $item Row.
	 * @return string
	 */
	protected function column_cb( $item ) {
		return '<input type="checkbox" name="request[]" value="' . esc_attr( $item->id ) . '">';
	}

	/**
	 * Other columns.
	 *
	 * @param object $item        Row.
	 * @param string $column_name Column.
	 * @return string
	 */
	protected function column_default( $item, $column_name ) {
		$user = get_userdata( (int) $item->user_id );
		switch ( $column_name ) {
			case 'applicant':
				return esc_html( $user ? $user->display_name . ' (' . $user->user_login . ')' : '?' );
			case 'project':
				return esc_html( get_the_title( (int) $item->project_id ) );
			case 'motivation':
				return esc_html( $item->motivation );
			case 'profile':
				$profile = Label_Art_Profile::get( (int) $item->user_id );
				return esc_html( implode( ', ', array_merge( $profile['disciplines'], $profile['instruments'], $profile['genres'] ) ) );
			case 'created_at':
				return esc_html( $item->created_at );
		}
		return '';
	}
}
