// Workflow 1 (upon publish) as a stream service (execution_timeout -1): every reading on sensors/+/temp
// above the threshold becomes an alert on alerts/<sensor>. waitForMessage blocks this isolate, not Node.
function SensorAlerts(req, resp) {
  var THRESHOLD = 30;
  var messaging = ClearBlade.Messaging();
  messaging.subscribe('sensors/+/temp', function (err, data) {
    if (err) resp.error('subscribe failed: ' + data);
  });
  while (true) {
    messaging.waitForMessage(['sensors/+/temp'], function (err, msg, topic) {
      if (err) resp.error('wait failed: ' + msg);
      var reading = JSON.parse(msg);
      if (reading.celsius > THRESHOLD) {
        var sensor = topic.split('/')[1];
        messaging.publish('alerts/' + sensor, JSON.stringify({ sensor: sensor, celsius: reading.celsius }));
      }
    });
  }
}
