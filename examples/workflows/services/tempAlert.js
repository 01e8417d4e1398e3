/* eslint-disable @typescript-eslint/no-unused-vars, no-undef -- a ClearBlade service: the platform calls it and provides ClearBlade */
// Workflow 1 ("upon publish"): runs from a Messaging::Publish trigger on `sensors/+/temp`.
// req.params = {topic, body, userId, trigger} (reference §4.3). Over the threshold it publishes
// `alerts/<id>`; either way it answers what it decided (visible in the service logs).
function tempAlert(req, resp) {
  var THRESHOLD = 30;
  var id = req.params.topic.split('/')[1];
  var reading = JSON.parse(req.params.body);
  var temp = typeof reading === 'number' ? reading : reading.temp;
  if (typeof temp !== 'number') {
    resp.error('no temperature in ' + req.params.body);
    return;
  }
  if (temp > THRESHOLD) {
    ClearBlade.Messaging().publish(
      'alerts/' + id,
      JSON.stringify({ device: id, temp: temp, threshold: THRESHOLD, from: req.params.userId }),
    );
    resp.success('alert for ' + id);
    return;
  }
  resp.success('ok ' + id);
}
