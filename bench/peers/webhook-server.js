// The Node `http` peer, shaped like RingCentral's quick-start webhook-server.js: echo
// Validation-Token with Content-type application/json, otherwise read the body and answer 200.
// Two changes from the sample, both in its favour: the notification branch calls res.end() (the
// sample never does) and nothing is console.logged per request.
const http = require('http');
const PORT = Number(process.env.PORT || 5000);

const server = http.createServer(function (req, res) {
  if (req.method == 'POST') {
    if (req.headers.hasOwnProperty('validation-token')) {
      res.setHeader('Content-type', 'application/json');
      res.setHeader('Validation-Token', req.headers['validation-token']);
      res.statusCode = 200;
      res.end();
    } else {
      let body = [];
      req.on('data', function (chunk) {
        body.push(chunk);
      }).on('end', function () {
        body = Buffer.concat(body).toString();
        res.statusCode = 200;
        res.end();
      });
    }
  } else {
    res.statusCode = 404;
    res.end();
  }
});

server.listen(PORT, '127.0.0.1', () => {
  console.log('listening on ' + PORT);
});
