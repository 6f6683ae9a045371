"""The gate's hardware: the actuator that opens a turnstile and the optional pass sensor
(gate/actuators.py), and the controller that pulses it off the scanning path (gate/controller.py).

Imports nothing of ours: the app hands the controller each decided admission (outcome admit,
terminal/outcome.py) and it never sees a verdict, a code or a person.
"""
