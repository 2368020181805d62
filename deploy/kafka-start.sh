#!/usr/bin/env bash
# Starts the secured Apache Kafka of docker-compose.yml from the files that
# `mash security deploy` wrote (broker/kafka_deploy.py says what each is):
# formats the storage once, with the broker's own SCRAM user and admin's, then
# runs the broker. Every other user is set later by `mash security apply`.
#
#   MASH_KAFKA_CONFIG  the deployment's kafka folder (/var/lib/mash/security/kafka)
#   KAFKA_HOME         where Kafka is installed (/opt/kafka in apache/kafka)
set -euo pipefail

conf="${MASH_KAFKA_CONFIG:-/var/lib/mash/security/kafka}"
kafka="${KAFKA_HOME:-/opt/kafka}"

for file in server.properties cluster-id scram-users; do
  if [ ! -r "$conf/$file" ]; then
    echo "kafka-start: cannot read $conf/$file: run 'mash security deploy' first" >&2
    exit 1
  fi
done

scram=()
while IFS= read -r user; do
  [ -n "$user" ] && scram+=(--add-scram "$user")
done < "$conf/scram-users"

"$kafka/bin/kafka-storage.sh" format --ignore-formatted --standalone \
  --cluster-id="$(cat "$conf/cluster-id")" --config "$conf/server.properties" "${scram[@]}"
exec "$kafka/bin/kafka-server-start.sh" "$conf/server.properties"
