# The secured listeners of the single-node Kafka (scripts/services/kafka.sh):
# TLS material, SASL users and the OAUTHBEARER signing key, generated once
# into the cache, and the broker and client settings that use them.
# Sourced by scripts/services/kafka.sh; not a service of its own.
KAFKA_SEC_DIR=$GOCONNECT_CACHE/kafka-security
# Bump when the generated set changes: the files are then written again.
KAFKA_SEC_VERSION=1
KAFKA_SASL_SSL_PORT=9093
KAFKA_SSL_PORT=9095
KAFKA_SASL_PLAINTEXT_PORT=9097
KAFKA_OAUTH_PORT=9099
KAFKA_SECURE_PORTS="$KAFKA_SASL_SSL_PORT $KAFKA_SSL_PORT $KAFKA_SASL_PLAINTEXT_PORT $KAFKA_OAUTH_PORT"
# One password with each character that needs quoting somewhere: a JAAS
# quote and backslash, the JAAS terminator and the properties separator.
KAFKA_SPECIAL_PASSWORD='Sp3c"ial\pa;ss=w0rd'
KAFKA_TRUSTSTORE_PASSWORD=truststore-secret
KAFKA_BROKER_PASSWORD=broker-secret
KAFKA_CLIENT_PASSWORD=client-secret
KAFKA_CLIENT_KEY_PASSWORD=client-key-secret
KAFKA_OAUTH_AUDIENCE=goconnect-kafka
KAFKA_OAUTH_ISSUER=https://issuer.goconnect.test
KAFKA_OAUTH_KID=goconnect-test

# jaas_quote prints a JAAS option value in quotes, its quotes and
# backslashes escaped (Kafka's JaasConfig reads it with a StreamTokenizer).
jaas_quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"; }
# props_escape escapes backslashes for a Java .properties value.
props_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g'; }
b64url() { basenc --base64url -w0 | tr -d '='; }

# kafka_security_files writes the CA, the broker's and the clients'
# certificates and stores, the OAUTHBEARER key and JWKS, and client
# property files, once.
kafka_security_files() {
	local d=$KAFKA_SEC_DIR
	[ -f "$d/.complete-v$KAFKA_SEC_VERSION" ] && return 0
	command -v openssl >/dev/null || apt_install openssl
	command -v keytool >/dev/null || apt_install openjdk-17-jre-headless
	rm -rf "$d"
	mkdir -p "$d"
	(
		set -e
		cd "$d"
		ca() { # name subject
			openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 3650 -subj "$2" \
				-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
		}
		leaf() { # name subject extensions ca
			openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
			printf '%s\n' "$3" >"$1.ext"
			openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAcreateserial -days 3650 -out "$1.pem" -extfile "$1.ext"
			cat "$1.pem" "$4.pem" >"$1.chain.pem"
			rm -f "$1.csr" "$1.ext"
		}
		stores() { # name password [key password for JKS]
			openssl pkcs12 -export -in "$1.chain.pem" -inkey "$1.key" -name "$1" -out "$1.p12" -passout "pass:$2"
			keytool -importkeystore -noprompt -srckeystore "$1.p12" -srcstoretype PKCS12 -srcstorepass "$2" \
				-destkeystore "$1.jks" -deststoretype JKS -deststorepass "$2" -destkeypass "${3:-$2}" -alias "$1"
		}
		truststores() { # name ca
			cp "$2.pem" "$1.pem"
			local t
			for t in JKS PKCS12; do
				local ext=jks
				[ $t = JKS ] || ext=p12
				keytool -importcert -noprompt -alias ca -file "$2.pem" -keystore "$1.$ext" -storetype $t -storepass "$KAFKA_TRUSTSTORE_PASSWORD"
			done
		}
		ca ca "/CN=goconnect test CA"
		leaf broker "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth" ca
		leaf client "/CN=goconnect-client" "extendedKeyUsage=clientAuth" ca
		stores broker "$KAFKA_BROKER_PASSWORD"
		stores client "$KAFKA_CLIENT_PASSWORD" "$KAFKA_CLIENT_KEY_PASSWORD"
		cat client.key client.chain.pem >client.keystore.pem
		openssl pkcs8 -topk8 -v2 aes-256-cbc -in client.key -out client.key.enc.pem -passout "pass:$KAFKA_CLIENT_KEY_PASSWORD"
		truststores truststore ca
		# An unrelated CA and a client certificate it signed: the broker
		# does not trust them, and a client trusting only it rejects the
		# broker.
		ca rogue-ca "/CN=untrusted test CA"
		leaf rogue-client "/CN=rogue-client" "extendedKeyUsage=clientAuth" rogue-ca
		stores rogue-client "$KAFKA_CLIENT_PASSWORD"
		truststores rogue-truststore rogue-ca
		rm -f ./*.srl
		# OAUTHBEARER: the broker validates RS256 tokens with this key's JWKS.
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out oauth.key
		local n
		n=$(openssl rsa -in oauth.key -noout -modulus | cut -d= -f2 | perl -ne 'chomp; print pack("H*", $_)' | b64url)
		printf '{"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"%s","n":"%s","e":"AQAB"}]}\n' "$KAFKA_OAUTH_KID" "$n" >oauth.jwks.json
	) >"$d/generate.log" 2>&1 || fail kafka "generating the TLS and OAUTHBEARER material failed" "$d/generate.log"
	kafka_security_client_props
	touch "$d/.complete-v$KAFKA_SEC_VERSION"
}

# kafka_security_client_props writes Java client property files, one per
# listener, for kafka-topics.sh-style tools and the readiness check (short
# timeouts: a listener that does not answer fails the attempt quickly).
kafka_security_client_props() {
	local d=$KAFKA_SEC_DIR
	local trust="request.timeout.ms=20000
default.api.timeout.ms=30000
ssl.truststore.type=PKCS12
ssl.truststore.location=$d/truststore.p12
ssl.truststore.password=$KAFKA_TRUSTSTORE_PASSWORD"
	cat >"$d/client-sasl-ssl-scram.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="scram-special" password=$(props_escape "$(jaas_quote "$KAFKA_SPECIAL_PASSWORD")");
$trust
PROPS
	cat >"$d/client-ssl.properties" <<PROPS
security.protocol=SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$d/client.p12
ssl.keystore.password=$KAFKA_CLIENT_PASSWORD
$trust
PROPS
	cat >"$d/client-sasl-plaintext-plain.properties" <<PROPS
request.timeout.ms=20000
default.api.timeout.ms=30000
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="plain-special" password=$(props_escape "$(jaas_quote "$KAFKA_SPECIAL_PASSWORD")");
PROPS
	cat >"$d/client-oauth.properties" <<PROPS
request.timeout.ms=20000
default.api.timeout.ms=30000
security.protocol=SASL_PLAINTEXT
sasl.mechanism=OAUTHBEARER
sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler
sasl.oauthbearer.token.endpoint.url=file://$d/readiness.jwt
sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
PROPS
}

# kafka_security_token prints a signed token for sub, valid for ttl seconds.
kafka_security_token() {
	local sub=$1 ttl=${2:-3600} now header payload sig
	now=$(date +%s)
	header=$(printf '{"alg":"RS256","typ":"JWT","kid":"%s"}' "$KAFKA_OAUTH_KID" | b64url)
	payload=$(printf '{"sub":"%s","aud":"%s","iss":"%s","iat":%d,"exp":%d,"scope":"kafka"}' \
		"$sub" "$KAFKA_OAUTH_AUDIENCE" "$KAFKA_OAUTH_ISSUER" "$now" $((now + ttl)) | b64url)
	sig=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$KAFKA_SEC_DIR/oauth.key" -binary | b64url)
	printf '%s.%s.%s' "$header" "$payload" "$sig"
}

# kafka_security_broker_config prints the server.properties lines of the
# secured listeners (appended after the PLAINTEXT node's own). The JWT
# validator is named, per listener (the handler reads it unprefixed from
# the listener's settings): Kafka 4.1.1's default one, built without a key
# resolver, checks the claims but not the signature.
kafka_security_broker_config() {
	local d=$KAFKA_SEC_DIR special
	special=$(props_escape "$(jaas_quote "$KAFKA_SPECIAL_PASSWORD")")
	local plain="org.apache.kafka.common.security.plain.PlainLoginModule required user_plain-user=\"plain-secret\" user_plain-special=$special;"
	local scram="org.apache.kafka.common.security.scram.ScramLoginModule required;"
	cat <<PROPS
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,OAUTH:SASL_PLAINTEXT
ssl.keystore.type=PKCS12
ssl.keystore.location=$d/broker.p12
ssl.keystore.password=$KAFKA_BROKER_PASSWORD
ssl.key.password=$KAFKA_BROKER_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=$d/truststore.p12
ssl.truststore.password=$KAFKA_TRUSTSTORE_PASSWORD
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=$plain
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$scram
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$scram
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=$plain
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=$scram
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$scram
listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER
listener.name.oauth.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
listener.name.oauth.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler
listener.name.oauth.sasl.oauthbearer.jwt.validator.class=org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator
sasl.oauthbearer.jwks.endpoint.url=file://$d/oauth.jwks.json
sasl.oauthbearer.expected.audience=$KAFKA_OAUTH_AUDIENCE
sasl.oauthbearer.expected.issuer=$KAFKA_OAUTH_ISSUER
PROPS
}

# kafka_security_jvm_opts are the broker JVM's system properties: Kafka 4.x
# reads an OAUTHBEARER file or URL only when these allow it.
kafka_security_jvm_opts() {
	echo "-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=file://$KAFKA_SEC_DIR/oauth.jwks.json,file://$KAFKA_SEC_DIR/readiness.jwt"
	echo "-Dorg.apache.kafka.sasl.oauthbearer.allowed.files=$KAFKA_SEC_DIR/oauth.jwks.json,$KAFKA_SEC_DIR/readiness.jwt"
}

# kafka_scram_users creates the SCRAM users through the admin API on the
# PLAINTEXT listener (KRaft keeps them in the metadata log, so once per
# formatted storage; a marker next to the data records it).
kafka_scram_users() {
	local marker=$KAFKA_DIR/node-1/scram-users-v$KAFKA_SEC_VERSION user pass mech
	[ -f "$marker" ] && return 0
	for user in scram-user scram-special; do
		pass=scram-secret
		[ $user = scram-user ] || pass=$KAFKA_SPECIAL_PASSWORD
		# One mechanism a request (the broker refuses a user twice in
		# one), from a file: --add-config's parser splits on '=' and ','.
		for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
			printf '%s=password=%s\n' "$mech" "$(props_escape "$pass")" >"$KAFKA_DIR/scram.properties"
			kafka_java kafka.admin.ConfigCommand --bootstrap-server 127.0.0.1:9092 --alter --entity-type users --entity-name "$user" \
				--add-config-file "$KAFKA_DIR/scram.properties" >"$KAFKA_DIR/scram.log" 2>&1 \
				|| fail kafka "creating the $mech user $user failed" "$KAFKA_DIR/scram.log"
		done
	done
	rm -f "$KAFKA_DIR/scram.properties"
	touch "$marker"
}

# kafka_secure_ready authenticates on every secured listener at once: SCRAM
# over TLS, a client certificate, PLAIN, and a token the JWKS verifies.
kafka_secure_ready() {
	local d=$KAFKA_SEC_DIR p log=$KAFKA_SEC_DIR/readiness.log
	pid_alive "$KAFKA_DIR/node-1/kafka.pid" || return 3
	kafka_security_token readiness >"$d/readiness.jwt"
	: >"$log"
	local pids=()
	check() { # port properties [jvm options]
		local port=$1 props=$2
		shift 2
		kafka_java "$@" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --command-config "$d/$props" --list >>"$log" 2>&1 \
			|| { echo "listener 127.0.0.1:$port ($props) refused" >>"$log"; return 1; }
	}
	check "$KAFKA_SASL_SSL_PORT" client-sasl-ssl-scram.properties &
	pids+=($!)
	check "$KAFKA_SSL_PORT" client-ssl.properties &
	pids+=($!)
	check "$KAFKA_SASL_PLAINTEXT_PORT" client-sasl-plaintext-plain.properties &
	pids+=($!)
	# shellcheck disable=SC2046 # one option a line
	check "$KAFKA_OAUTH_PORT" client-oauth.properties $(kafka_security_jvm_opts) &
	pids+=($!)
	local rc=0
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return $rc
}

kafka_secure_ports_open() {
	local p
	for p in $KAFKA_SECURE_PORTS; do port_open "$p" || return 1; done
}
