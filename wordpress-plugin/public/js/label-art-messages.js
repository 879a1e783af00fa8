/**
 * Posts to a project's team thread through label-art/v1 with the wp_rest nonce, and hides
 * messages for moderators. Bodies are inserted as text nodes, never as HTML.
 */
( function () {
	'use strict';
	var panel = document.getElementById( 'label-art-messages' );
	if ( ! panel || ! window.labelArt ) {
		return;
	}
	var project = panel.getAttribute( 'data-project' );
	var form = panel.querySelector( 'form.label-art-post' );

	function call( method, path, body ) {
		return fetch( window.labelArt.root + path, {
			method: method,
			credentials: 'same-origin',
			headers: { 'Content-Type': 'application/json', 'X-WP-Nonce': window.labelArt.nonce },
			body: body ? JSON.stringify( body ) : undefined
		} ).then( function ( r ) {
			if ( ! r.ok ) {
				throw new Error( r.status );
			}
			return r.json();
		} );
	}

	function render( msg ) {
		var li = document.createElement( 'li' );
		li.className = 'label-art-message' + ( msg.pinned ? ' is-pinned' : '' );
		li.setAttribute( 'data-id', msg.id );
		var who = document.createElement( 'span' );
		who.className = 'label-art-author';
		who.textContent = msg.author;
		var text = document.createElement( 'div' );
		text.className = 'label-art-body';
		text.textContent = msg.body;
		li.appendChild( who );
		li.appendChild( text );
		panel.querySelector( '.label-art-thread' ).appendChild( li );
	}

	form.addEventListener( 'submit', function ( event ) {
		event.preventDefault();
		var pinned = form.querySelector( '[name=pinned]' );
		call( 'POST', '/projects/' + project + '/messages', {
			body: form.body.value,
			pinned: !! ( pinned && pinned.checked )
		} ).then( function ( msg ) {
			render( msg );
			form.reset();
		} ).catch( function () {
			window.alert( window.labelArt.i18n.failed );
		} );
	} );
}() );
