"""Media back ends: the only modules that import cv2 and sounddevice."""
