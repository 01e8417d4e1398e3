import { defineErrors } from './spec.js';

/** MQTT broker: connect, ACL, limits, topics. */
export const brokerErrors = defineErrors({
  CB_ERR_MQTT_BAD_TOPIC: { status: 400, fault: 'user', message: 'Invalid topic {topic}: {reason}' },
  CB_ERR_MQTT_BAD_PROTOCOL: {
    status: 400,
    fault: 'user',
    message: 'Unsupported MQTT protocol level {level} (3.1 and 3.1.1 are spoken)',
    connack: 1,
  },
  CB_ERR_MQTT_CLIENT_ID_REJECTED: {
    status: 400,
    fault: 'user',
    message: 'Client id rejected: {reason}',
    connack: 2,
  },
  CB_ERR_MQTT_BAD_CREDENTIALS: {
    status: 401,
    fault: 'user',
    message: 'Bad user name or password: {reason}',
    connack: 4,
  },
  CB_ERR_MQTT_PUBLISH_DENIED: {
    status: 403,
    fault: 'user',
    message: 'Not allowed to publish to {topic}',
  },
  CB_ERR_MQTT_SUBSCRIBE_DENIED: {
    status: 403,
    fault: 'user',
    message: 'Not allowed to subscribe to {filter}',
    suback: 0x80,
  },
  CB_ERR_MQTT_LIMIT: {
    status: 400,
    fault: 'user',
    message: 'MQTT limit {limit} exceeded ({value} > {max})',
    connack: 3,
  },
  CB_ERR_MQTT_CLOSED: { status: 503, fault: 'system', message: 'The MQTT broker is closed', connack: 3 },
});
