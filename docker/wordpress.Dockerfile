# The community site: the official WordPress image with the Label.Art plugin, activated on the
# first request after WordPress is installed, and Apache proxying /label/ to the service (web).
FROM wordpress:6.8-php8.2-apache
RUN a2enmod proxy proxy_http headers
COPY wordpress-plugin /usr/src/wordpress/wp-content/plugins/label-art
COPY docker/wordpress/label-art-activate.php /usr/src/wordpress/wp-content/mu-plugins/label-art-activate.php
COPY docker/wordpress/labelart-proxy.conf /etc/apache2/conf-enabled/labelart-proxy.conf
