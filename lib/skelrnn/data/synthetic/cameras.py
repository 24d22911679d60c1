"""The cameras of the embedded dataset: where NTU's three Kinects stand in each setup, and what they see.

Defined for the data chapter (thesis 3.1.1). As in NTU RGB+D, three cameras stand at 0, +45 and
-45 degrees around the actor, at heights and distances that change from one setup to the next
(``N_SETUPS`` of them); each replication of a performance faces one of the side cameras
(``facing_camera``). ``camera_pose`` gives a camera's rigid transform, ``project`` the pixels of
Kinect v2's depth and colour images.

Frames: the world frame has y up with the floor at y = 0; the Kinect camera frame has x to the
sensor's left, y up and z away from the sensor. Both are right-handed; metres.
"""

from __future__ import annotations

import math

import numpy as np

# ---------------------------------------------------------------------------------------------
# Cameras and setups
# ---------------------------------------------------------------------------------------------

# As in NTU: three cameras at -45, 0, +45 degrees around the actor (camera 1 in the middle), and
# setups that move them. Heights differ between the three cameras of a setup.
CAMERA_YAW_DEG = (0.0, 45.0, -45.0)
_CAMERA_DHEIGHT = (0.0, 0.12, -0.1)
_CAMERA_DDIST = (0.0, 0.25, -0.2)
_SETUP_HEIGHT = (1.0, 0.7, 1.45, 1.2, 0.55, 1.7, 0.85, 1.3)
_SETUP_DIST = (3.0, 3.3, 3.4, 3.5, 3.1, 3.7, 3.2, 3.3)  # higher cameras stand further back
_AIM_HEIGHT = 1.0  # cameras are tilted to look at this height above the actor's spot
N_CAMERAS = len(CAMERA_YAW_DEG)
N_SETUPS = len(_SETUP_HEIGHT)


def camera_pose(setup: int, camera: int) -> tuple[np.ndarray, np.ndarray]:
    """World-to-camera rotation ``R`` (3, 3) (rows: camera x, y, z in world coordinates) and camera
    centre ``c`` (3,) metres: ``p_cam = R @ (p_world - c)``."""
    yaw = math.radians(CAMERA_YAW_DEG[camera - 1])
    height = _SETUP_HEIGHT[setup - 1] + _CAMERA_DHEIGHT[camera - 1]
    dist = _SETUP_DIST[setup - 1] + _CAMERA_DDIST[camera - 1]
    centre = np.array([dist * math.sin(yaw), height, dist * math.cos(yaw)])
    forward = np.array([0.0, _AIM_HEIGHT, 0.0]) - centre
    forward /= np.linalg.norm(forward)
    left = np.cross([0.0, 1.0, 0.0], forward)  # x = up × z keeps the frame right-handed
    left /= np.linalg.norm(left)
    up = np.cross(forward, left)
    return np.stack([left, up, forward]), centre


def facing_camera(replication: int) -> int:
    """The camera the actor faces: as in NTU, one replication towards each side camera."""
    return 2 if replication % 2 == 1 else 3


# ---------------------------------------------------------------------------------------------
# The Kinect's images
# ---------------------------------------------------------------------------------------------

# Kinect v2 intrinsics: depth camera 512 x 424, colour camera 1920 x 1080 about 5 cm to its side.
_DEPTH = (365.0, 256.0, 212.0)  # focal length (px), centre x, centre y
_COLOR = (1081.0, 960.0, 540.0)
_COLOR_BASELINE = 0.052  # metres along camera x


def project(xyz: np.ndarray) -> np.ndarray:
    """Pinhole projection of camera-frame points ``(..., 3)`` -> depthX, depthY, colorX, colorY ``(..., 4)`` px."""
    z = np.maximum(xyz[..., 2], 0.1)
    fd, cxd, cyd = _DEPTH
    fc, cxc, cyc = _COLOR
    return np.stack(
        [
            cxd + fd * xyz[..., 0] / z,
            cyd - fd * xyz[..., 1] / z,
            cxc + fc * (xyz[..., 0] + _COLOR_BASELINE) / z,
            cyc - fc * xyz[..., 1] / z,
        ],
        -1,
    )
