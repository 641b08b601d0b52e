// An LwM2M device for Shoal's tests, on lwm2m-node-lib's client.
// Usage: node device.js HOST PORT ENDPOINT_NAME [LIFETIME_SECONDS]
// Writes one JSON line per event to stdout: registered, written (/19/1/0), updated, deregistered, error.
// Reads one action per line from stdin: "report TEXT" (sets /19/0/0, so an observer is notified),
// "update", "deregister".
'use strict';

const readline = require('readline');
const client = require('lwm2m-node-lib').client;

const [host, port, endpointName, lifetime] = process.argv.slice(2);
const say = (event) => process.stdout.write(JSON.stringify(event) + '\n');

client.init({
  client: { lifetime: lifetime || '300', version: '1.1', ipProtocol: 'udp4', serverProtocol: 'udp4', logLevel: 'FATAL' },
  logLevel: 'FATAL',
});

function step(fn) {
  return new Promise((resolve, reject) => fn((error, result) => (error ? reject(error) : resolve(result))));
}

async function main() {
  await step((done) => client.registry.create('/19/0', done));
  await step((done) => client.registry.setResource('/19/0', '0', '', done));
  await step((done) => client.registry.create('/19/1', done));
  await step((done) => client.registry.setResource('/19/1', '0', '', done));
  const device = await step((done) => client.register(host, port, '', endpointName, done));
  client.setHandler(device.serverInfo, 'write', (objectType, objectId, resourceId, value, done) => {
    say({ event: 'written', path: `/${objectType}/${objectId}/${resourceId}`, value: String(value) });
    done(null);
  });
  say({ event: 'registered', location: device.location, localPort: device.localPort });

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [action, ...rest] = line.split(' ');
    try {
      if (action === 'report') {
        await step((done) => client.registry.setResource('/19/0', '0', rest.join(' '), done));
        say({ event: 'reported' });
      } else if (action === 'update') {
        await step((done) => client.update(device, done));
        say({ event: 'updated' });
      } else if (action === 'deregister') {
        await step((done) => client.unregister(device, done));
        say({ event: 'deregistered' });
        process.exit(0);
      }
    } catch (error) {
      say({ event: 'error', action, message: String(error && error.message || error) });
    }
  }
}

main().catch((error) => {
  say({ event: 'error', action: 'register', message: String(error && error.message || error) });
  process.exit(1);
});
