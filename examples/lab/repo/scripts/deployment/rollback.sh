#!/usr/bin/env bash
# Anclora: roll the ECS service back to the previous task definition revision.
# In the runbook lab, `aws` is the lab's stand-in and the service is the lab api.
set -euo pipefail
env=${1:?usage: rollback.sh ENVIRONMENT}
cluster="anclora-$env"
current=$(aws ecs describe-services --cluster "$cluster" --services anclora-whatsapp \
  --query 'services[0].taskDefinition' --output text)
revision=${current##*:}
previous=$((revision - 1))
echo "Rolling back anclora-whatsapp in $env: revision $revision -> $previous"
aws ecs update-service --cluster "$cluster" --service anclora-whatsapp \
  --task-definition "anclora-whatsapp:$previous" --query 'service.taskDefinition' --output text
