function SharedTopic(req, resp) {
  ClearBlade.init({ request: req });
  var messaging = ClearBlade.Messaging();
  const TOPIC ="topic/+" 
  var sharedTopic = "$share/GROUP_ID/" + TOPIC;

  messaging.subscribe(sharedTopic, function(err, errMsg) {
    if (err) {
      messaging.publish("error", "Subscribe failed: " + errMsg);
    }
  });

   messaging.publish(TOPIC, "Publishing to a shared topic");
}
