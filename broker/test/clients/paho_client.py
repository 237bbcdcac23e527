"""Eclipse Paho's Python client (Debian's python3-paho-mqtt) as a driver or a rider, for interop tests.

Usage: paho_client.py pub|sub tcp|ws HOST PORT CLIENT_ID USERNAME PASSWORD TOPIC [PAYLOAD_HEX]
Prints one JSON object per line: {"event": "connack", "rc": N}, {"event": "suback", "granted": [...]},
{"event": "message", "topic": T, "payload_hex": H, "qos": Q, "retain": B}, {"event": "puback"}.
Exits 0 when done, 2 when the broker refused the connection, 3 on a timeout.
"""
import json
import sys
import threading

import paho.mqtt.client as mqtt

mode, transport, host, port, client_id, username, password, topic = sys.argv[1:9]
payload = bytes.fromhex(sys.argv[9]) if len(sys.argv) > 9 else b""
done = threading.Event()
status = {"code": 3}


def say(**event):
    print(json.dumps(event), flush=True)


def on_connect(client, _userdata, _flags, rc):
    say(event="connack", rc=rc)
    if rc != 0:
        status["code"] = 2
        done.set()
    elif mode == "sub":
        client.subscribe(topic, qos=1)
    else:
        info = client.publish(topic, payload, qos=1)
        threading.Thread(target=lambda: (info.wait_for_publish(10), say(event="puback"), finish(0))).start()


def on_subscribe(_client, _userdata, _mid, granted):
    say(event="suback", granted=list(granted))


def on_message(_client, _userdata, message):
    say(event="message", topic=message.topic, payload_hex=message.payload.hex(), qos=message.qos, retain=bool(message.retain))
    finish(0)


def finish(code):
    status["code"] = code
    done.set()


client = mqtt.Client(client_id=client_id, clean_session=True, protocol=mqtt.MQTTv311, transport="websockets" if transport == "ws" else "tcp")
if transport == "ws":
    client.ws_set_options(path="/mqtt")
client.username_pw_set(username, password)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect(host, int(port), keepalive=30)
client.loop_start()
done.wait(15)
client.disconnect()
client.loop_stop()
sys.exit(status["code"])
