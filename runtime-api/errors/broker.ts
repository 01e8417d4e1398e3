import { defineErrors } from './spec.js';

/** MQTT broker: connect, ACL, limits, topics. */
export const brokerErrors = defineErrors({
  CB_ERR_MQTT_BAD_TOPIC: {
    status: 400,
    fault: 'user',
    message: 'Invalid topic {topic}: {reason}',
    fix: 'Publish to topics without + or #; in filters use + for a whole level and # only last; respect the length and level limits.',
  },
  CB_ERR_MQTT_BAD_PROTOCOL: {
    status: 400,
    fault: 'user',
    message: 'Unsupported MQTT protocol level {level} (3.1 and 3.1.1 are spoken)',
    connack: 1,
    fix: 'Connect with MQTT 3.1.1 (protocol level 4) or 3.1 (level 3).',
  },
  CB_ERR_MQTT_CLIENT_ID_REJECTED: {
    status: 400,
    fault: 'user',
    message: 'Client id rejected: {reason}',
    connack: 2,
    fix: 'Use a client id unique within the system (or disconnect the other client); an empty id needs clean session.',
  },
  CB_ERR_MQTT_BAD_CREDENTIALS: {
    status: 401,
    fault: 'user',
    message: 'Bad user name or password: {reason}',
    connack: 4,
    fix: 'Connect with user name = token and password = system key (auth ports: user name = system key, client id = email:password or device:key).',
  },
  CB_ERR_MQTT_PUBLISH_DENIED: {
    status: 403,
    fault: 'user',
    message: 'Not allowed to publish to {topic}',
    fix: 'Publish only to topics a role of this identity grants with publish (level 2 or 3), or have a developer widen the role.',
  },
  CB_ERR_MQTT_SUBSCRIBE_DENIED: {
    status: 403,
    fault: 'user',
    message: 'Not allowed to subscribe to {filter}',
    suback: 0x80,
    fix: 'Subscribe only to filters a role topic covers with subscribe (level 1 or 3); a role filter must cover the whole requested filter.',
  },
  CB_ERR_MQTT_LIMIT: {
    status: 400,
    fault: 'user',
    message: 'MQTT limit {limit} exceeded ({value} > {max})',
    connack: 3,
    fix: 'Stay within the limit named (packet size, topic length/levels, connections, connect rate, in-flight): see ISOBAR_MQTT_* settings.',
  },
  CB_ERR_MQTT_CLOSED: {
    status: 503,
    fault: 'system',
    message: 'The MQTT broker is closed',
    connack: 3,
    fix: 'The broker is shutting down: reconnect after a back-off.',
  },
});
