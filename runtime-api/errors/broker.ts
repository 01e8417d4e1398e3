import { defineErrors } from './spec.js';

/** MQTT broker: connect, ACL, limits, topics. */
export const brokerErrors = defineErrors({
  CB_ERR_MQTT_BAD_TOPIC: { status: 400, fault: 'user', message: 'Invalid topic {topic}: {reason}' },
});
